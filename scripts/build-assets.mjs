// Compile the Sass and copy the few GOV.UK Frontend files the pages use. Fonts and the
// GOV.UK crown images are deliberately not copied: this is not a GOV.UK service.
//
// Then give each file the pages load a content-hashed copy under static/dist/ (app.css ->
// dist/css/app.3f9c1e0a2b.css) and write dist/manifest.json, which the app's `asset_url`
// reads: a hashed file never changes, so browsers keep it for a year without asking again.
// Files the CSS points at with url() are hashed too and the url() rewritten; init.js's import
// of GOV.UK Frontend is pointed at the hashed copy.
import { compile } from "sass";
import { NodePackageImporter } from "sass";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, extname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "catalogue", "static");
mkdirSync(join(out, "css"), { recursive: true });
mkdirSync(join(out, "govuk"), { recursive: true });

const result = compile(join(root, "assets", "scss", "app.scss"), {
  style: "compressed",
  importers: [new NodePackageImporter()],
  quietDeps: true,
  silenceDeprecations: ["import"],
});
// GOV.UK's accessible-autocomplete (long pickers, loaded by init.js where a page has one): its
// small stylesheet goes into app.css, its script is copied.
const autocomplete = join(root, "node_modules", "accessible-autocomplete", "dist");
const autocompleteCss = readFileSync(join(autocomplete, "accessible-autocomplete.min.css"), "utf8").replace(
  /\/\*# sourceMappingURL=.*?\*\//g,
  "",
);
writeFileSync(join(out, "css", "app.css"), result.css + "\n" + autocompleteCss);

const dist = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
copyFileSync(join(dist, "govuk-frontend.min.js"), join(out, "govuk", "govuk-frontend.min.js"));
mkdirSync(join(out, "vendor"), { recursive: true });
writeFileSync(
  join(out, "vendor", "accessible-autocomplete.min.js"),
  readFileSync(join(autocomplete, "accessible-autocomplete.min.js"), "utf8").replace(/\/\/# sourceMappingURL=.*$/m, ""),
);

// The API reference's renderer (swagger-ui-dist) and the script that starts it: served from our
// own files, never a CDN.
mkdirSync(join(out, "swagger"), { recursive: true });
const swagger = join(root, "node_modules", "swagger-ui-dist");
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  copyFileSync(join(swagger, name), join(out, "swagger", name));
}
copyFileSync(join(root, "assets", "js", "api-docs.js"), join(out, "swagger", "api-docs.js"));

// --- content-hashed copies and the manifest ------------------------------------------------------

const hashedDir = join(out, "dist");
rmSync(hashedDir, { recursive: true, force: true });
const manifest = {};

function hashedName(name, content) {
  const digest = createHash("sha256").update(content).digest("hex").slice(0, 10);
  const ext = extname(name);
  return posix.join("dist", `${name.slice(0, name.length - ext.length)}.${digest}${ext}`);
}

// name: a path under static/ with forward slashes; content: what to write (default: the file).
function emit(name, content = readFileSync(join(out, name))) {
  const target = hashedName(name, content);
  mkdirSync(dirname(join(out, target)), { recursive: true });
  writeFileSync(join(out, target), content);
  manifest[name] = target;
  return target;
}

// A stylesheet's relative url()s point at hashed copies (same layout under dist/, so the
// relative path keeps working with only the file name changed).
function emitCss(name) {
  const base = posix.dirname(name);
  const css = readFileSync(join(out, name), "utf8").replace(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g, (whole, quote, ref) => {
    if (/^(data:|[a-z]+:|\/|#)/i.test(ref)) return whole;
    const [path, suffix = ""] = ref.split(/(?=[?#])/);
    const target = posix.normalize(posix.join(base, path));
    if (!existsSync(join(out, target))) throw new Error(`${name} points at ${ref}, which is not in static/`);
    const hashed = manifest[target] ?? emit(target);
    return `url(${quote}${posix.relative(posix.dirname(posix.join("dist", name)), hashed)}${suffix}${quote})`;
  });
  return emit(name, css);
}

const govukJs = emit("govuk/govuk-frontend.min.js");
const autocompleteJs = emit("vendor/accessible-autocomplete.min.js");
const init = readFileSync(join(out, "init.js"), "utf8")
  .replaceAll("/static/govuk/govuk-frontend.min.js", `/static/${govukJs}`)
  .replaceAll("/static/vendor/accessible-autocomplete.min.js", `/static/${autocompleteJs}`);
emit("init.js", init);
emitCss("css/app.css");
emit("favicon.svg");

writeFileSync(join(hashedDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`assets built into catalogue/static (${Object.keys(manifest).length} hashed in ${relative(root, hashedDir)})`);
