import { ApiError, FinishReason, GoogleGenAI, type GenerateContentResponse, type GoogleGenAIOptions } from '@google/genai';
import { recapFailure, RecapModelError, type RecapAnswer, type RecapModel, type RecapRequest } from './recap-model.js';

/**
 * Gemini on Vertex AI through Google's Gen AI SDK (`@google/genai`, `vertexai: true`): the project's own Vertex AI,
 * in its own location, with the job's own service account (Application Default Credentials; locally, the
 * `gcloud auth application-default login` account). The SDK calls
 * `POST {base}/v1beta1/projects/P/locations/L/publishers/google/models/M:generateContent`; `baseUrl` points it at
 * another endpoint (tests' loopback server) and `googleAuthOptions` gives it other credentials. The SDK's own
 * retries stay off: job/stages/recap.ts retries, with the same policy for every backend.
 */
export interface VertexRecapOptions {
  project: string;
  location: string;
  model: string;
  /** Another endpoint than https://LOCATION-aiplatform.googleapis.com/ (tests, a proxy). */
  baseUrl?: string;
  googleAuthOptions?: GoogleGenAIOptions['googleAuthOptions'];
  /** One request's longest wait; default 10 min (a long session's recap takes a minute or two). */
  timeoutMs?: number;
}

/** Finish reasons that mean the model would not answer this prompt: another try gives the same. */
const REFUSALS = new Set<string>([
  FinishReason.SAFETY, FinishReason.RECITATION, FinishReason.BLOCKLIST, FinishReason.PROHIBITED_CONTENT, FinishReason.SPII, FinishReason.LANGUAGE,
]);

export class VertexRecapModel implements RecapModel {
  readonly backend = 'vertex' as const;
  readonly model: string;
  readonly description: string;
  private readonly ai: GoogleGenAI;

  constructor(options: VertexRecapOptions) {
    this.model = options.model;
    this.description = `${options.model} on Vertex AI (${options.location})`;
    this.ai = new GoogleGenAI({
      vertexai: true,
      project: options.project,
      location: options.location,
      httpOptions: { timeout: options.timeoutMs ?? 600_000, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) },
      ...(options.googleAuthOptions ? { googleAuthOptions: options.googleAuthOptions } : {}),
    });
  }

  async generate(request: RecapRequest): Promise<RecapAnswer> {
    let response: GenerateContentResponse;
    try {
      response = await this.ai.models.generateContent({
        model: this.model,
        contents: [{ role: 'user', parts: [{ text: request.input }] }],
        config: {
          systemInstruction: request.instructions,
          responseMimeType: 'application/json',
          responseJsonSchema: request.schema,
          maxOutputTokens: request.maxOutputTokens,
          // No temperature: Google advises Gemini 3 models' default (1.0), lower values making them loop.
          abortSignal: request.signal,
        },
      });
    } catch (err) {
      throw recapFailure(err, err instanceof ApiError ? err.status : undefined, request.signal);
    }
    const usage = response.usageMetadata;
    const tokens = { tokensIn: usage?.promptTokenCount ?? 0, tokensOut: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0) };
    const blocked = response.promptFeedback?.blockReason;
    if (blocked) throw new RecapModelError('refused', `Vertex AI blocked the prompt (${blocked}${response.promptFeedback?.blockReasonMessage ? `: ${response.promptFeedback.blockReasonMessage}` : ''})`, undefined, { spent: tokens });
    const candidate = response.candidates?.[0];
    const finish = candidate?.finishReason;
    if (!candidate) throw new RecapModelError('malformed', 'Vertex AI answered without a candidate', undefined, { spent: tokens });
    if (finish && REFUSALS.has(finish)) throw new RecapModelError('refused', `the model stopped (finish reason ${finish})`, undefined, { spent: tokens });
    if (finish === FinishReason.MAX_TOKENS) throw new RecapModelError('malformed', `the answer was cut off at ${request.maxOutputTokens} output tokens`, undefined, { spent: tokens });
    const text = response.text ?? '';
    if (!text.trim()) throw new RecapModelError('malformed', `the answer holds no text (finish reason ${finish ?? 'none'})`, undefined, { spent: tokens });
    return { text, ...tokens };
  }
}
