// Validates Kubernetes objects against the Kubernetes OpenAPI schemas compiled into the kubernetes-models package
// (version pinned by package.json and package-lock.json).
//
// Usage: node validate.mjs <objects.json>
//   objects.json: a JSON array of {"source": "<where the object came from>", "object": {<the object>}}.
// Prints one JSON line per object: {"source", "apiVersion", "kind", "name", "valid", "errors": ["<path> <message>"]}.
// Exit status: 0 when every object is valid, 1 when one is not (or its apiVersion/kind has no model), 2 on bad usage.
// Checked: types, required fields, enums and formats. Not checked: unknown fields (the models accept them).
import { readFileSync } from "node:fs";

async function modelFor(apiVersion, kind) {
  // "v1" -> kubernetes-models/v1/Service, "apps/v1" -> kubernetes-models/apps/v1/StatefulSet
  if (!/^[a-z0-9.]+(\/[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Za-z0-9]+$/.test(kind)) {
    return null;
  }
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return module[kind] ?? null;
  } catch (e) {
    if (e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" || e.code === "ERR_MODULE_NOT_FOUND") {
      return null;
    }
    throw e;
  }
}

function describe(error) {
  return `${error.instancePath || "/"} ${error.message ?? error.keyword}`;
}

async function check(entry) {
  const object = entry.object ?? {};
  const result = {
    source: entry.source,
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata?.name,
    valid: false,
    errors: [],
  };
  const Model = await modelFor(String(object.apiVersion), String(object.kind));
  if (Model === null) {
    result.errors.push(`/ no Kubernetes model for apiVersion ${object.apiVersion} kind ${object.kind}`);
    return result;
  }
  try {
    new Model(object).validate();
    result.valid = true;
  } catch (e) {
    const errors = Array.isArray(e.errors) ? e.errors : [{ instancePath: "", message: String(e.message) }];
    result.errors = errors.map(describe);
  }
  return result;
}

if (process.argv.length !== 3) {
  console.error("usage: node validate.mjs <objects.json>");
  process.exit(2);
}
const entries = JSON.parse(readFileSync(process.argv[2], "utf8"));
if (!Array.isArray(entries)) {
  console.error("objects.json must hold a JSON array");
  process.exit(2);
}
let allValid = true;
for (const entry of entries) {
  const result = await check(entry);
  allValid &&= result.valid;
  console.log(JSON.stringify(result));
}
process.exit(allValid ? 0 : 1);
