import React, { useContext } from 'react';
import { Text } from 'ink';
import { ColorContext } from './color.js';
import type { Line } from './line.js';

export interface TextLineProps {
  /** The styled segments of this one terminal line; an empty line still takes its row. */
  readonly line: Line;
  /** `truncate-end` (default) for panes, which must keep to their rows; `wrap` for printed text. */
  readonly wrap?: 'truncate-end' | 'wrap';
}

/**
 * One line of a pane. `truncate-end` makes sure nothing ever wraps onto a second row, which is
 * what keeps every pane within its row budget even when a width estimate is off.
 */
export function TextLine({ line, wrap = 'truncate-end' }: TextLineProps): React.JSX.Element {
  const color = useContext(ColorContext);
  if (line.length === 0) return <Text> </Text>;
  return (
    <Text wrap={wrap}>
      {line.map((segment, k) => (
        <Text key={k} color={color ? segment.color : undefined} dimColor={segment.dim} bold={segment.bold} inverse={segment.inverse}>
          {segment.text}
        </Text>
      ))}
    </Text>
  );
}
