/** Sizes as people read them: "12 KB", "3.4 MB" (binary units, named the everyday way). */
export function humanBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
