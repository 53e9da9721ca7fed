import * as fs from 'node:fs';

import type { NetworkView, Recorder, RecorderTap } from './network';

export interface RasterOptions {
  /** The SVG file to write. */
  file: string;
  /** Layers to draw, one panel each, top to bottom. */
  layers: readonly string[];
  /** Which sample of the batch to draw. Default 0. */
  sample?: number;
  /** The sample's name in the title, when the batch is part of a larger one. Default: sample. */
  sampleLabel?: number;
  /** Stop drawing after this many spikes (the plot says so). Default 200,000. */
  maxSpikes?: number;
  /** A title above the panels. */
  title?: string;
}

const WIDTH = 960;
const LEFT = 120;
const RIGHT = 24;
const TOP = 56;
const GAP = 34;
const BOTTOM = 56;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const CHUNK = 16384;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Tick values for [0, max]: steps of 1, 2 or 5 times a power of ten, about six of them. */
export function ticks(max: number): number[] {
  if (max <= 0) return [0];
  const raw = max / 6;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

const num = (v: number): string => (Math.round(v * 10) / 10).toString();

interface Panel {
  name: string;
  perSample: number;
  top: number;
  height: number;
  color: string;
  spikes: Uint8Array;
  count: number;
}

/**
 * A spike raster of one sample as an SVG file, written while the network
 * runs: the frame and axes when the run starts, the spikes in chunks as
 * they happen (held in a fixed buffer, not in memory for the whole run), the
 * closing tags at the end. One panel per layer, time on the x axis.
 */
export class RasterPlot implements Recorder {
  readonly file: string;
  private readonly sample: number;
  private readonly maxSpikes: number;
  private fd = -1;
  private panels: Panel[] = [];
  private steps = 1;
  private plotWidth = WIDTH - LEFT - RIGHT;
  // Pending marks: (step, neuron, panel) triples.
  private readonly marks = new Int32Array(3 * CHUNK);
  private used = 0;
  private drawn = 0;
  private skipped = 0;

  constructor(private readonly options: RasterOptions) {
    this.file = options.file;
    this.sample = options.sample ?? 0;
    this.maxSpikes = options.maxSpikes ?? 200_000;
  }

  /** Spikes drawn, and spikes left out after maxSpikes. */
  get counts(): { drawn: number; skipped: number } {
    return { drawn: this.drawn, skipped: this.skipped };
  }

  open(net: NetworkView, steps: number): void {
    this.steps = Math.max(1, steps);
    let top = TOP;
    this.panels = this.options.layers.map((name, k) => {
      const layer = net.layer(name);
      const perSample = layer.size / layer.cellsShape[0];
      if (this.sample >= layer.cellsShape[0]) {
        throw new RangeError(`Expected a sample index below the batch size ${layer.cellsShape[0]} for the raster plot but received ${this.sample}`);
      }
      const height = Math.min(320, Math.max(70, perSample * 3));
      const panel = { name, perSample, top, height, color: COLORS[k % COLORS.length], spikes: layer.spikes, count: 0 };
      top += height + GAP;
      return panel;
    });
    const total = top - GAP + BOTTOM;
    this.fd = fs.openSync(this.file, 'w');
    const parts: string[] = [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${total}" viewBox="0 0 ${WIDTH} ${total}" font-family="DejaVu Sans, Arial, sans-serif">`,
      `<rect width="${WIDTH}" height="${total}" fill="#ffffff"/>`,
      `<text x="${WIDTH / 2}" y="28" font-size="17" text-anchor="middle" fill="#222">${escapeXml(this.options.title ?? 'Spike raster')} (sample ${this.options.sampleLabel ?? this.sample})</text>`,
    ];
    const xTicks = ticks(this.steps);
    for (const p of this.panels) {
      parts.push(
        `<rect x="${LEFT}" y="${p.top}" width="${this.plotWidth}" height="${p.height}" fill="#fafafa" stroke="#999"/>`,
        `<text x="${LEFT - 12}" y="${num(p.top + p.height / 2)}" font-size="14" text-anchor="end" fill="#222">${escapeXml(p.name)}</text>`,
        `<text x="${LEFT - 12}" y="${num(p.top + p.height / 2 + 17)}" font-size="11" text-anchor="end" fill="#666">${p.perSample} neurons</text>`,
        `<text x="${LEFT - 4}" y="${p.top + 10}" font-size="10" text-anchor="end" fill="#666">0</text>`,
        `<text x="${LEFT - 4}" y="${p.top + p.height}" font-size="10" text-anchor="end" fill="#666">${p.perSample - 1}</text>`,
      );
      for (const t of xTicks) {
        const x = num(LEFT + (t / this.steps) * this.plotWidth);
        parts.push(`<line x1="${x}" x2="${x}" y1="${p.top + p.height}" y2="${p.top + p.height + 4}" stroke="#999"/>`);
      }
    }
    const axisY = top - GAP;
    for (const t of xTicks) {
      parts.push(`<text x="${num(LEFT + (t / this.steps) * this.plotWidth)}" y="${axisY + 18}" font-size="11" text-anchor="middle" fill="#444">${t}</text>`);
    }
    parts.push(`<text x="${LEFT + this.plotWidth / 2}" y="${axisY + 40}" font-size="13" text-anchor="middle" fill="#222">time step</text>`);
    fs.writeSync(this.fd, parts.join('\n') + '\n');
  }

  /** Each panel's layer spikes: the engine copies them, and hands them to recordValues. */
  get tap(): RecorderTap[] {
    return this.panels.map((p) => ({ layer: p.name, variable: 'spikes' }));
  }

  record(t: number): void {
    this.recordValues(t, ...this.panels.map((p) => p.spikes));
  }

  /** record(t) on the given spikes, one array per panel. */
  recordValues(t: number, ...spikes: (Uint8Array | Float32Array)[]): void {
    const per = this.panels;
    for (let k = 0; k < per.length; k++) {
      const p = per[k];
      const from = this.sample * p.perSample;
      for (let i = 0; i < p.perSample; i++) {
        if (spikes[k][from + i] === 0) continue;
        if (this.drawn >= this.maxSpikes) {
          this.skipped++;
          continue;
        }
        if (this.used === this.marks.length) this.flush();
        this.marks[this.used++] = t;
        this.marks[this.used++] = i;
        this.marks[this.used++] = k;
        this.drawn++;
      }
    }
  }

  /** Writes the pending marks: one path per panel with a small rectangle per spike. */
  private flush(): void {
    const w = Math.max(0.8, this.plotWidth / this.steps);
    for (let k = 0; k < this.panels.length; k++) {
      const p = this.panels[k];
      const h = Math.max(0.8, Math.min(6, p.height / p.perSample));
      let d = '';
      for (let m = 0; m < this.used; m += 3) {
        if (this.marks[m + 2] !== k) continue;
        const x = LEFT + (this.marks[m] / this.steps) * this.plotWidth;
        const y = p.top + ((this.marks[m + 1] + 0.5) / p.perSample) * p.height - h / 2;
        d += `M${num(x)} ${num(y)}h${num(w)}v${num(h)}h${num(-w)}z`;
      }
      if (d) fs.writeSync(this.fd, `<path fill="${p.color}" d="${d}"/>\n`);
    }
    this.used = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    const note = this.skipped
      ? `<text x="${WIDTH - RIGHT}" y="46" font-size="11" text-anchor="end" fill="#b00">drawing stopped after ${this.drawn} spikes; ${this.skipped} not drawn</text>\n`
      : '';
    fs.writeSync(this.fd, `${note}</svg>\n`);
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}
