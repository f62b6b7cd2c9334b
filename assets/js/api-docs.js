// The API reference at /api/v1/docs: Swagger UI (swagger-ui-dist, served from our own files)
// over the app's OpenAPI document, with try-it-out. Tokens typed into "Authorize" stay in this
// page only (no persistence).
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) return;
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 1,
    showExtensions: true,
    showCommonExtensions: true,
    tryItOutEnabled: false,
    persistAuthorization: false,
  });
});
