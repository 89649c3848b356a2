// Records when this build was made, for srvr's `built on` (src/server/build-info.ts reads it).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const stamp = fileURLToPath(import.meta.resolve('../dist/src/build-info.json'));
writeFileSync(stamp, JSON.stringify({ builtAt: new Date().toISOString() }) + '\n');
