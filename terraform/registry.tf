# Docker images: the job image (built by `make image` with Cloud Build) and the functions' images (built by Cloud
# Functions). Each job image carries a ~1 GB model, so only recent ones are kept.
resource "google_artifact_registry_repository" "images" {
  repository_id = "jdr"
  location      = var.region
  format        = "DOCKER"
  description   = "jdr-transcriber images"

  cleanup_policy_dry_run = false

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 3
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      tag_state  = "ANY"
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.enabled]
}
