import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { joinKey, NotFoundError, PreconditionFailedError, type ObjectInfo, type Store, type WriteOptions } from './types.js';

/** A Store over a local directory: local runs and tests. */
export class FileStore implements Store {
  readonly root: string;
  readonly uri: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.uri = pathToFileURL(this.root).href.replace(/\/?$/, '/');
  }

  uriOf(key: string): string {
    return this.uri + joinKey(key);
  }

  private path(key: string): string {
    const k = joinKey(key);
    return k === '' ? this.root : join(this.root, ...k.split('/'));
  }

  async list(prefix = ''): Promise<ObjectInfo[]> {
    const base = this.path(prefix);
    const out: ObjectInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw err;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile()) {
          const info = await this.statPath(full);
          if (info) out.push(info);
        }
      }
    };
    await walk(base);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async statPath(full: string): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(full, { bigint: true });
      if (!s.isFile()) return undefined;
      return {
        key: relative(this.root, full).split(sep).join('/'),
        size: Number(s.size),
        updated: new Date(Number(s.mtimeMs)),
        generation: s.mtimeNs.toString(),
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  stat(key: string): Promise<ObjectInfo | undefined> {
    return this.statPath(this.path(key));
  }

  async read(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(this.uriOf(key));
      throw err;
    }
  }

  createReadStream(key: string): Readable {
    // Callers handle one error type whatever the store: ENOENT becomes NotFoundError, as GCS's 404 does.
    const out = new PassThrough();
    const source = createReadStream(this.path(key));
    source.on('error', (err: NodeJS.ErrnoException) => out.destroy(err.code === 'ENOENT' ? new NotFoundError(this.uriOf(key)) : err));
    return source.pipe(out);
  }

  async download(key: string, localPath: string): Promise<void> {
    await mkdir(dirname(localPath), { recursive: true });
    try {
      await copyFile(this.path(key), localPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(this.uriOf(key));
      throw err;
    }
  }

  async write(key: string, data: Buffer | string, options: WriteOptions = {}): Promise<ObjectInfo> {
    const full = this.path(key);
    await mkdir(dirname(full), { recursive: true });
    if (options.ifAbsent) {
      // 'wx' fails atomically when the file exists: the same guarantee as ifGenerationMatch=0.
      let handle;
      try {
        handle = await open(full, 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new PreconditionFailedError(this.uriOf(key));
        throw err;
      }
      try {
        await handle.writeFile(data);
      } finally {
        await handle.close();
      }
    } else {
      await writeFile(full, data);
    }
    return (await this.stat(key))!;
  }

  async upload(
    localPath: string,
    key: string,
    options: WriteOptions & { onProgress?: (bytes: number) => void } = {},
  ): Promise<ObjectInfo> {
    const full = this.path(key);
    await mkdir(dirname(full), { recursive: true });
    const target = createWriteStream(full, { flags: options.ifAbsent ? 'wx' : 'w' });
    try {
      await once(target, 'open');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new PreconditionFailedError(this.uriOf(key));
      throw err;
    }
    const source = createReadStream(localPath);
    let sent = 0;
    source.on('data', (chunk) => {
      sent += chunk.length;
      options.onProgress?.(sent);
    });
    await pipeline(source, target);
    return (await this.stat(key))!;
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  child(prefix: string): Store {
    return new FileStore(this.path(prefix));
  }
}
