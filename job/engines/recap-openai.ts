import OpenAI, { APIError } from 'openai';
import { recapFailure, RecapModelError, type RecapAnswer, type RecapModel, type RecapRequest } from './recap-model.js';

/**
 * Any OpenAI-compatible server (Ollama, llama.cpp's server, vLLM, OpenAI itself) through the `openai` package:
 * `POST {url}/chat/completions` with the schema as `response_format: json_schema`. Local servers need no key; one
 * that wants it gets RECAP_API_KEY. The SDK's own retries stay off (job/stages/recap.ts retries).
 */
export interface OpenAiRecapOptions {
  /** The server's base URL, e.g. http://127.0.0.1:11434/v1. */
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
}

export class OpenAiRecapModel implements RecapModel {
  readonly backend = 'openai' as const;
  readonly model: string;
  readonly description: string;
  private readonly client: OpenAI;

  constructor(options: OpenAiRecapOptions) {
    this.model = options.model;
    this.description = `${options.model} on ${new URL(options.url).host}`;
    // A key is what the SDK insists on; local servers ignore it.
    this.client = new OpenAI({ baseURL: options.url, apiKey: options.apiKey || 'unused', maxRetries: 0, timeout: options.timeoutMs ?? 600_000 });
  }

  async generate(request: RecapRequest): Promise<RecapAnswer> {
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(
        {
          model: this.model,
          messages: [
            { role: 'system', content: request.instructions },
            { role: 'user', content: request.input },
          ],
          response_format: { type: 'json_schema', json_schema: { name: 'session_recap', schema: request.schema, strict: true } },
          max_tokens: request.maxOutputTokens,
          temperature: 0.2,
        },
        { signal: request.signal },
      );
    } catch (err) {
      throw recapFailure(err, err instanceof APIError ? err.status : undefined, request.signal);
    }
    const tokens = { tokensIn: completion.usage?.prompt_tokens ?? 0, tokensOut: completion.usage?.completion_tokens ?? 0 };
    const choice = completion.choices?.[0];
    if (!choice) throw new RecapModelError('malformed', 'the server answered without a choice', undefined, { spent: tokens });
    if (choice.message?.refusal) throw new RecapModelError('refused', `the model declined: ${choice.message.refusal.slice(0, 300)}`, undefined, { spent: tokens });
    if (choice.finish_reason === 'content_filter') throw new RecapModelError('refused', 'the server filtered the answer (finish reason content_filter)', undefined, { spent: tokens });
    if (choice.finish_reason === 'length') throw new RecapModelError('malformed', `the answer was cut off at ${request.maxOutputTokens} output tokens`, undefined, { spent: tokens });
    const text = choice.message?.content ?? '';
    if (!text.trim()) throw new RecapModelError('malformed', `the answer holds no text (finish reason ${choice.finish_reason ?? 'none'})`, undefined, { spent: tokens });
    return { text, ...tokens };
  }
}
