// Writes docs/openapi.json from the route schemas: `npm run openapi -w @unseen/server`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateOpenApi } from '../src/http/openapi.js';

const target = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url));
writeFileSync(target, await generateOpenApi());
console.log(`wrote ${target}`);
