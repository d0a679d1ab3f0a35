import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile, rmdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { joinKey, NotFoundError, PreconditionFailedError, type ObjectInfo, type ReadOptions, type Store, type WriteOptions } from './types.js';

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

  async read(key: string, options: ReadOptions = {}): Promise<Buffer> {
    try {
      if (options.maxBytes === undefined) return await readFile(this.path(key));
      const handle = await open(this.path(key), 'r');
      try {
        const buf = Buffer.alloc(options.maxBytes);
        let done = 0;
        while (done < buf.length) {
          const { bytesRead } = await handle.read(buf, done, buf.length - done, done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return buf.subarray(0, done);
      } finally {
        await handle.close();
      }
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
    await makeFolder(dirname(localPath));
    try {
      await copyFile(this.path(key), localPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(this.uriOf(key));
      throw err;
    }
  }

  /**
   * Writes go to a temporary name beside the target and are renamed into place (linked, for create-only writes), so
   * a reader never sees a half-written object and a failure (a full disk) leaves no truncated file behind.
   */
  async write(key: string, data: Buffer | string, options: WriteOptions = {}): Promise<ObjectInfo> {
    const full = this.path(key);
    await makeFolder(dirname(full));
    const partial = partialName(full);
    try {
      await writeFile(partial, data, { flag: 'wx' });
      await this.publish(partial, full, key, options.ifAbsent ?? false);
    } finally {
      await rm(partial, { force: true });
    }
    return (await this.stat(key))!;
  }

  async upload(
    localPath: string,
    key: string,
    options: WriteOptions & { onProgress?: (bytes: number) => void } = {},
  ): Promise<ObjectInfo> {
    const full = this.path(key);
    await makeFolder(dirname(full));
    if (options.ifAbsent && (await this.stat(key))) throw new PreconditionFailedError(this.uriOf(key));
    const partial = partialName(full);
    try {
      const target = createWriteStream(partial, { flags: 'wx' });
      await once(target, 'open');
      const source = createReadStream(localPath);
      let sent = 0;
      source.on('data', (chunk) => {
        sent += chunk.length;
        options.onProgress?.(sent);
      });
      await pipeline(source, target);
      await this.publish(partial, full, key, options.ifAbsent ?? false);
    } finally {
      await rm(partial, { force: true });
    }
    return (await this.stat(key))!;
  }

  /** Moves a finished temporary file into place; create-only means a hard link, which fails if the target exists. */
  private async publish(partial: string, full: string, key: string, ifAbsent: boolean): Promise<void> {
    if (!ifAbsent) return rename(partial, full);
    try {
      await link(partial, full);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new PreconditionFailedError(this.uriOf(key));
      throw err;
    }
  }

  /** Removes the file, and the folders it leaves empty up to the store's root (as a bucket has no empty folders). */
  async delete(key: string): Promise<void> {
    const full = this.path(key);
    // A folder is deleted only when empty, like the "folder" of a bucket, which goes with its last object.
    if ((await stat(full).catch(() => undefined))?.isDirectory()) await rmdir(full).catch(() => undefined);
    else await rm(full, { force: true });
    for (let dir = dirname(full); dir.startsWith(this.root + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break; // not empty (or already gone): the folders above are not empty either
      }
    }
  }

  child(prefix: string): Store {
    return new FileStore(this.path(prefix));
  }
}

function partialName(full: string): string {
  return join(dirname(full), `.${basename(full)}.${randomUUID().slice(0, 8)}.partial`);
}

/**
 * mkdir -p with the real cause when it fails: Node reports ENOENT for a folder it cannot create on a read-only file
 * system, which would send a user looking for a missing folder. The deepest existing ancestor says what is wrong
 * (a file where a folder should be, a read-only disk, no permission).
 */
async function makeFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EEXIST') throw err;
    let ancestor = dir;
    while (ancestor !== dirname(ancestor) && !(await stat(ancestor).catch(() => undefined))) ancestor = dirname(ancestor);
    const info = await stat(ancestor).catch(() => undefined);
    if (info && !info.isDirectory()) throw Object.assign(new Error(`${ancestor} is a file, not a folder`), { code: 'ENOTDIR', path: ancestor });
    try {
      await access(ancestor, constants.W_OK);
    } catch (cause) {
      throw Object.assign(new Error(`cannot create ${dir}: ${(cause as Error).message}`), { code: (cause as NodeJS.ErrnoException).code, path: ancestor });
    }
    throw err;
  }
}
