import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A plain SVG line chart (no plotting dependency for one kind of picture):
 * y against x for a few named series, with labelled axes.
 */
export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

const WIDTH = 640;
const HEIGHT = 360;
const PAD = { left: 64, right: 150, top: 28, bottom: 48 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e'];

export function writeLineChart(file: string, title: string, xLabel: string, yLabel: string, series: Series[]): void {
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(...all.map((p) => p.x), 1);
  const yMax = Math.max(...all.map((p) => p.y), 1);
  const x = (v: number) => PAD.left + (v / xMax) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - (v / yMax) * (HEIGHT - PAD.top - PAD.bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="14">${title}</text>`,
    `<line x1="${PAD.left}" y1="${y(0)}" x2="${x(xMax)}" y2="${y(0)}" stroke="black"/>`,
    `<line x1="${PAD.left}" y1="${y(0)}" x2="${PAD.left}" y2="${y(yMax)}" stroke="black"/>`,
    ...ticks.map(
      (t) => `<text x="${x(t * xMax)}" y="${y(0) + 16}" text-anchor="middle">${Math.round(t * xMax)}</text>`,
    ),
    ...ticks.map(
      (t) => `<text x="${PAD.left - 6}" y="${y(t * yMax) + 4}" text-anchor="end">${Math.round(t * yMax)}</text>`,
    ),
    `<text x="${(PAD.left + x(xMax)) / 2}" y="${HEIGHT - 10}" text-anchor="middle">${xLabel}</text>`,
    `<text x="16" y="${(PAD.top + y(0)) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(PAD.top + y(0)) / 2})">${yLabel}</text>`,
    ...series.flatMap((s, i) => {
      const color = COLORS[i % COLORS.length];
      const line = s.points.map((p) => `${x(p.x)},${y(p.y)}`).join(' ');
      return [
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${line}"/>`,
        ...s.points.map((p) => `<circle cx="${x(p.x)}" cy="${y(p.y)}" r="3" fill="${color}"/>`),
        `<text x="${x(xMax) + 10}" y="${PAD.top + 16 * (i + 1)}" fill="${color}">${s.name}</text>`,
      ];
    }),
    '</svg>',
  ];
  writeFileSync(file, `${parts.join('\n')}\n`);
}

export const resultsFile = (name: string) => path.resolve(__dirname, '..', 'results', name);
