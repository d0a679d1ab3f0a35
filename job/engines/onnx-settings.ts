/**
 * Set before onnxruntime-node loads (job/engines/onnx.ts imports this first). onnxruntime 1.30 ships Microsoft's
 * telemetry on Linux: it writes `mat-debug-<pid>.log` and a `.ses` file into TMPDIR on every run and tries HTTPS
 * uploads. A transcription tool has no business phoning home with its users' runs; the variable is the
 * library's own switch, and a user who wants telemetry can set ORT_DISABLE_TELEMETRY=0.
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';
