// Submits the authorization response form (OAuth 2.0 Form Post Response Mode).
document.getElementById("form_post").submit();
