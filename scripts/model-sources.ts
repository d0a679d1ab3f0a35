/**
 * Where the models come from, for `make model` and the image build (never for a run, which works offline): the
 * speaker-embedding model is 3D-Speaker's CAM++ trained on VoxCeleb (Apache-2.0), in the ONNX export sherpa-onnx
 * publishes (the release tag's "recongition" spelling is theirs), pinned by its SHA-256 (29,596,978 bytes).
 */
export const SPEAKER_MODEL_URL = 'https://github.com/k2-fsa/sherpa-onnx/releases/download/speaker-recongition-models/3dspeaker_speech_campplus_sv_en_voxceleb_16k.onnx';
export const SPEAKER_MODEL_SHA256 = '357a834f702b80161e5b981182c038e18553c1f2ca752ed6cec2052365d4129b';
