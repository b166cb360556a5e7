/**
 * Writes the API's OpenAPI 3.1 document to a file (default openapi.json), for validators and client generators:
 *   npm run openapi -- [FILE]
 */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../src/api/app';

const file = process.argv[2] ?? 'openapi.json';
writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`Wrote ${file}`);
