import React, { useContext } from 'react';
import { ColorContext } from './color.js';
import { Text } from 'ink';

/** Eight heights; a blank for zero, so a pause or a stall reads as a gap. */
const LEVELS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * The last `width` values as block characters, oldest left, scaled to the largest value shown
 * (so a steady rate reads as a flat top). Any value above zero gets at least `▁`.
 * Returns as many characters as there are values, at most `width`.
 */
export function toSparkline(values: readonly number[], width: number, scaleMax?: number): string {
  if (width <= 0) return '';
  const shown = values.slice(-width);
  // A shared scale (scaleMax) lets two lines be read against each other: req/s under its target.
  const max = scaleMax ?? Math.max(0, ...shown.filter(Number.isFinite));
  return shown
    .map((v) => {
      if (!Number.isFinite(v) || v <= 0 || max <= 0) return LEVELS[0];
      return LEVELS[Math.min(8, Math.max(1, Math.ceil((v / max) * 8)))];
    })
    .join('');
}

export interface SparklineProps {
  /** One value per time step, oldest first (req/s per second of load). */
  readonly values: readonly number[];
  /** Columns available; only the newest values that fit are drawn. */
  readonly widthColumns: number;
  /** Ink colour of the blocks. */
  readonly color?: string;
}

/** A one-line chart of the newest values. */
export function Sparkline({ values, widthColumns, color = 'cyan' }: SparklineProps): React.JSX.Element {
  const colored = useContext(ColorContext);
  return (
    <Text color={colored ? color : undefined} wrap="truncate-end">
      {toSparkline(values, widthColumns) || ' '}
    </Text>
  );
}
