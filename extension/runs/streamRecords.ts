// Parses the trainer's stdout lines (StreamRecord JSON, protocol/runRecords.ts). Stdout is a low-latency copy of
// what the files hold, so anything malformed is simply not a record (the caller logs it as plain output).
import { parseJsonLoose } from '../../protocol/jsonLines';
import type { StreamRecord } from '../../protocol/runRecords';
import { isObj } from '../../protocol/guards';

const isNum = (v: unknown): v is number => typeof v === 'number';

export function parseStreamLine(line: string): StreamRecord | undefined {
  const t = line.trim();
  if (!t.startsWith('{')) return undefined;
  let v: unknown;
  try {
    v = parseJsonLoose(t);
  } catch {
    return undefined;
  }
  if (!isObj(v)) return undefined;
  switch (v.type) {
    case 'metric':
    case 'trace':
      return isObj(v.record) && isNum(v.record.step) && typeof v.record.stage === 'string' ? (v as unknown as StreamRecord) : undefined;
    case 'status':
      return isObj(v.record) && typeof v.record.state === 'string' && typeof v.record.stage === 'string' ? (v as unknown as StreamRecord) : undefined;
    case 'checkpoint':
      return typeof v.path === 'string' && isObj(v.meta) ? (v as unknown as StreamRecord) : undefined;
    case 'log':
      return typeof v.message === 'string' ? (v as unknown as StreamRecord) : undefined;
    case 'progress':
      return typeof v.stage === 'string' && isNum(v.done) && isNum(v.total) ? (v as unknown as StreamRecord) : undefined;
    default:
      return undefined;
  }
}
