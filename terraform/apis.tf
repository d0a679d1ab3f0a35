# APIs the pipeline uses. They stay enabled on destroy: other things in the project may rely on them.
locals {
  services = toset([
    "aiplatform.googleapis.com", # Vertex AI: the session recap (opt-in: recap, or recap: true in _READY)
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "eventarc.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com", # signBlob: the mailer signs download links without a key file
    "logging.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ])
}

resource "google_project_service" "enabled" {
  for_each = local.services

  service            = each.value
  disable_on_destroy = false
}

# Service agents (Eventarc, Pub/Sub, Cloud Functions) receive their roles shortly after their API is enabled; a trigger
# created in that window fails with "Permission denied while using the Eventarc Service Agent".
resource "time_sleep" "service_agents" {
  depends_on = [
    google_project_service.enabled,
    google_project_iam_member.gcs_agent_pubsub_publisher,
  ]

  create_duration = "90s"
}
