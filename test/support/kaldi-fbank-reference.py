"""Reference Kaldi fbank in numpy, written from torchaudio.compliance.kaldi.fbank (defaults: snip_edges, DC offset
removed, pre-emphasis 0.97, povey window, 512-point power spectrum, Kaldi mel banks, log floored at float32 epsilon),
vectorised and independent of the TypeScript loops it checks.

stdin: float32 samples; stdout: float32 features [frames x bins].
usage: kaldi-fbank-reference.py [--bins 80] [--low 20] [--high 0] [--scale 32768]
"""
import argparse
import sys

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--bins", type=int, default=80)
parser.add_argument("--low", type=float, default=20.0)
parser.add_argument("--high", type=float, default=0.0)
parser.add_argument("--scale", type=float, default=32768.0)
args = parser.parse_args()

sr, length, shift, nfft = 16000, 400, 160, 512
x = np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).astype(np.float64) * args.scale
n = 1 + (len(x) - length) // shift if len(x) >= length else 0
frames = x[np.arange(length)[None, :] + shift * np.arange(n)[:, None]]
frames = frames - frames.mean(axis=1, keepdims=True)
previous = np.concatenate([frames[:, :1], frames[:, :-1]], axis=1)
frames = frames - 0.97 * previous
frames = frames * np.power(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / (length - 1)), 0.85)
power = np.abs(np.fft.rfft(frames, n=nfft, axis=1)) ** 2


def mel(f):
    return 1127.0 * np.log(1.0 + f / 700.0)


high = sr / 2 + args.high if args.high <= 0 else args.high
delta = (mel(high) - mel(args.low)) / (args.bins + 1)
left = mel(args.low) + np.arange(args.bins)[:, None] * delta
center, right = left + delta, left + 2 * delta
bin_mels = mel((sr / nfft) * np.arange(nfft // 2))[None, :]
banks = np.maximum(0.0, np.minimum((bin_mels - left) / (center - left), (right - bin_mels) / (right - center)))
banks = np.pad(banks, ((0, 0), (0, 1)))  # the Nyquist bin gets no weight
features = np.log(np.maximum(power @ banks.T, np.finfo(np.float32).eps))
sys.stdout.buffer.write(features.astype(np.float32).tobytes())
