import './onnx-settings.js';
import ort from 'onnxruntime-node';

/** onnxruntime-node, loaded after its settings (see onnx-settings.ts): every engine imports it from here. */
export default ort;
