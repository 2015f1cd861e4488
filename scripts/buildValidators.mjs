// Generates the parameters and secrets validators from schemas/ at build time (ajv standalone
// code), so a run starts without compiling them. schemas/ stays the one source: each generated
// validator carries its schema's fingerprint and is used only while that schema is unchanged.
import { writeFileSync } from 'node:fs';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { createAjv, GENERATED_VALIDATORS, schemaHash } from '../dist/config/schemaValidator.js';
import { parametersSchema, secretsSchema } from '../dist/schemas.js';

const schemas = { parameters: parametersSchema(), secrets: secretsSchema() };
const ajv = createAjv({ code: { source: true } });
for (const [name, schema] of Object.entries(schemas)) ajv.addSchema(schema, name);
let code = standaloneCode.default(ajv, Object.fromEntries(Object.keys(schemas).map((name) => [name, name])));
for (const [name, schema] of Object.entries(schemas)) code += `\nexports.${name}Hash = ${JSON.stringify(schemaHash(schema))};`;
writeFileSync(GENERATED_VALIDATORS, code + '\n');
