// Measures one step (one provider request) while it streams: when it started, when its first token arrived (text
// or a tool call), and the usage the provider reported. The agent service writes it with the step's end.
import { mergeUsage, NOT_REPORTED, type ReportedUsage } from './reported-usage'

export class StepMeter {
  readonly startedAt: number
  firstTokenAt: number | null = null
  usage: ReportedUsage = NOT_REPORTED

  constructor(now = Date.now()) {
    this.startedAt = now
  }

  /** Something of the reply arrived (the first call counts; later ones change nothing). */
  token(now = Date.now()): void {
    if (this.firstTokenAt === null) this.firstTokenAt = now
  }

  report(usage: Partial<ReportedUsage>): void {
    this.usage = mergeUsage(this.usage, usage)
  }
}
