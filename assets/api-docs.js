// Renders the OpenAPI document with Swagger UI, served from the binary.
window.addEventListener('DOMContentLoaded', function () {
  'use strict';
  window.SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
});
