// Hands the issued token to the docs page: Swagger UI (persistAuthorization) keeps its authorizations
// in localStorage under "authorized", so the docs page opens signed in.
(() => {
  var field = document.getElementById("token");
  if (!field) return;
  var token = field.value.trim();
  var authorized = { bearerAuth: { name: "bearerAuth", schema: { type: "http", scheme: "bearer", bearerFormat: "JWT" }, value: token } };
  try {
    localStorage.setItem("authorized", JSON.stringify(authorized));
    localStorage.setItem("ministry-ops.token", token);
  } catch {
    // Storage refused (private mode): the token is still shown to copy by hand.
  }
})();
