// The CLI in process for the tests: mainAsync with its output collected and
// no progress bar.
import { mainAsync, type Io } from '../lib/cli/commands';

export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => (out += t), err: (t) => (err += t), progress: false };
  const code = await mainAsync(args, io);
  return { code, out, err };
}
