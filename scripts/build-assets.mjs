// Compile the Sass and copy the few GOV.UK Frontend files the pages use. Fonts and the
// GOV.UK crown images are deliberately not copied: this is not a GOV.UK service.
import { compile } from "sass";
import { NodePackageImporter } from "sass";
import { mkdirSync, writeFileSync, copyFileSync } from "node:fs";
import { dirname, join } from "node:path";
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
writeFileSync(join(out, "css", "app.css"), result.css);

const dist = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
copyFileSync(join(dist, "govuk-frontend.min.js"), join(out, "govuk", "govuk-frontend.min.js"));
// The API reference's renderer (swagger-ui-dist) and the script that starts it: served from our
// own files, never a CDN.
mkdirSync(join(out, "swagger"), { recursive: true });
const swagger = join(root, "node_modules", "swagger-ui-dist");
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  copyFileSync(join(swagger, name), join(out, "swagger", name));
}
copyFileSync(join(root, "assets", "js", "api-docs.js"), join(out, "swagger", "api-docs.js"));
console.log("assets built into catalogue/static");
