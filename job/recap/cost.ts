import { roundTo } from '../round.js';

/**
 * What a recap cost, estimated from its tokens and the model's list price. Prices change: these are Google's list
 * prices per million tokens for the models named (Gemini 3.5 Flash at its release, May 2026, standard tier); see
 * https://cloud.google.com/vertex-ai/generative-ai/pricing. A model not listed (and every local server) gets no
 * estimate, only its tokens.
 */
export const PRICES_PER_MILLION: Readonly<Record<string, { input: number; output: number }>> = {
  'gemini-3.5-flash': { input: 1.5, output: 9 },
};

export function estimateCost(backend: 'vertex' | 'openai', model: string, tokens: { tokensIn: number; tokensOut: number }): number | undefined {
  if (backend !== 'vertex') return undefined;
  const price = PRICES_PER_MILLION[model];
  if (!price) return undefined;
  return roundTo((tokens.tokensIn * price.input + tokens.tokensOut * price.output) / 1e6, 4);
}
