# The SMTP password (a Gmail app password, for example). Terraform creates the secret, never its value: add it with
# `make smtp-password` (or `gcloud secrets versions add jdr-smtp-password --data-file=-`), so that it never lands in
# the Terraform state or in a shell history.
resource "google_secret_manager_secret" "smtp_password" {
  secret_id = "jdr-smtp-password"

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}
