// Starts Swagger UI on the page's OpenAPI document. A file rather than an inline script, so
// the page's Content-Security-Policy can allow scripts from this origin only.
"use strict";
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // The default asks validator.swagger.io to check the document: a third-party call.
    validatorUrl: null
  });
});
