import JSZip from 'jszip';

/**
 * The zip the email attaches, with the session's audio added beside transcript.html when both fit: the job's zip is
 * stored without it (a 4-hour session's audio alone is about 43 MB), and only the mailer knows the attachment limit.
 * The zip's other entries are copied as they are (JSZip keeps their compressed bytes); the audio is stored, not
 * deflated, since Opus does not compress. Returns undefined when the zip cannot be read (then it is sent as it is).
 */
export const LISTENING_FILE = 'audio.opus';

export async function zipWithAudio(zip: Buffer, audio: Buffer): Promise<Buffer | undefined> {
  let archive: JSZip;
  try {
    archive = await JSZip.loadAsync(zip);
  } catch {
    return undefined;
  }
  // Every output sits in one folder named after the session (job/stages/archive.ts): the audio goes beside them.
  const folder = Object.keys(archive.files)[0]?.split('/')[0];
  if (!folder || Object.keys(archive.files).some((name) => name.split('/')[0] !== folder)) return undefined;
  archive.file(`${folder}/${LISTENING_FILE}`, audio, { compression: 'STORE' });
  return archive.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } });
}
