/** A process as seen by a scan of /proc/<pid>/stat: its pid and its parent's pid. */
export interface ParentLink {
  readonly pid: number;
  readonly ppid: number;
}

/**
 * The root and all its descendants: the root first, then the others by ascending pid.
 * Empty when the root is not among the links (it is gone).
 *
 * Children are found by ppid from a scan of every /proc/<pid>/stat: proc(5) says the
 * per-thread `task/<tid>/children` lists only that thread's children, is reliable only
 * while they are stopped or frozen, and exists only with CONFIG_PROC_CHILDREN.
 * A process whose parent died is re-parented (to PID 1 or a subreaper) and so leaves the tree.
 */
export function descendants(rootPid: number, links: Iterable<ParentLink>): number[] {
  const children = new Map<number, number[]>();
  let rootSeen = false;
  for (const { pid, ppid } of links) {
    if (pid === rootPid) rootSeen = true;
    // A pid is its own parent only in garbled input; skipping it keeps the walk finite.
    if (pid === ppid) continue;
    const list = children.get(ppid);
    if (list === undefined) children.set(ppid, [pid]);
    else list.push(pid);
  }
  if (!rootSeen) return [];
  const found = new Set<number>([rootPid]);
  const queue = [rootPid];
  // Each pid enters the queue once (the set guards against cycles in inconsistent scans:
  // a scan is not atomic, so a reused pid can make a loop).
  for (let i = 0; i < queue.length; i++) {
    for (const child of children.get(queue[i]) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        queue.push(child);
      }
    }
  }
  const rest = queue.slice(1).sort((a, b) => a - b);
  return [rootPid, ...rest];
}
