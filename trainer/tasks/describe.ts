// What a trace line needs about the example a group of responses answered: the prompt, the ground truth,
// and the scene as a PNG with a file name that is safe under the stage's samples/ folder.
import { encodePng } from '../util/png';
import type { TaskExample } from './types';

export interface TraceSubject {
  task: string;
  prompt_id: string;
  prompt: string;
  ground_truth: string;
  /** The scene, if the example has one: write `png` as samples/<name> and put that path in the trace. */
  image?: { name: string; png: Uint8Array };
}

export function describeExample(ex: TaskExample): TraceSubject {
  return {
    task: ex.task,
    prompt_id: ex.id,
    prompt: ex.prompt,
    ground_truth: ex.answer,
    ...(ex.image ? { image: { name: `${ex.id.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`, png: encodePng(ex.image) } } : {}),
  };
}
