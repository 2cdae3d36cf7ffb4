import { describe, expect, it } from 'vitest';
import { descendants } from '../../src/proc/tree.js';

const links = (pairs: Array<[number, number]>) => pairs.map(([pid, ppid]) => ({ pid, ppid }));

describe('descendants', () => {
  it.each([
    ['a root alone', 50, [[1, 0], [50, 1]], [50]],
    ['children and grandchildren, root first then by pid', 50, [[1, 0], [50, 1], [70, 50], [52, 50], [60, 70], [51, 1], [55, 52]], [50, 52, 55, 60, 70]],
    ['a grandchild with a lower pid than its parent (pid wrap)', 500, [[1, 0], [500, 1], [900, 500], [20, 900]], [500, 20, 900]],
    ['nothing when the root is gone', 50, [[1, 0], [70, 50]], []],
    ['orphans re-parented to PID 1 are not ours', 50, [[1, 0], [50, 1], [70, 1]], [50]],
    ['a cycle from an inconsistent scan ends', 50, [[50, 70], [70, 50]], [50, 70]],
    ['a pid that is its own parent is skipped', 50, [[50, 1], [60, 60]], [50]],
  ] as Array<[string, number, Array<[number, number]>, number[]]>)('%s', (_, root, pairs, expected) => {
    expect(descendants(root, links(pairs))).toEqual(expected);
  });
});
