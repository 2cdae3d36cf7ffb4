/** A JSON report's insights, as the e2e tests read them. */
export interface ReportedInsight {
  kind: string;
  pid: number | null;
  text: string;
  evidence: Record<string, number | string | null>;
}

/** The kinds of insight the run produced, each once, in order. */
export function kinds(report: { insights: readonly ReportedInsight[] }): string[] {
  return [...new Set(report.insights.map((i) => i.kind))];
}

/** The first insight of `kind`; fails naming every insight there was when there is none. */
export function insight(report: { insights: readonly ReportedInsight[] }, kind: string): ReportedInsight {
  const found = report.insights.find((i) => i.kind === kind);
  if (!found) throw new Error(`no '${kind}' insight; got: ${report.insights.map((i) => i.text).join(' | ')}`);
  return found;
}
