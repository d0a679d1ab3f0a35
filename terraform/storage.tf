# Two data buckets in one region (recordings in, transcripts out) and a deploy bucket for build sources. All private:
# uniform access (no object ACLs) and public access prevention enforced, whatever IAM says.
locals {
  bucket_prefix = var.bucket_prefix != "" ? var.bucket_prefix : var.project_id
}

resource "google_storage_bucket" "input" {
  name                        = "${local.bucket_prefix}-jdr-input"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy

  # Recordings are only needed until the transcript exists.
  lifecycle_rule {
    condition {
      age = var.input_retention_days
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket" "output" {
  name                        = "${local.bucket_prefix}-jdr-output"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy

  # The chunks' speech-only audio of a run that never finished (a finished run removes its own): gone in 2 days. The
  # rest of a run's work/ checkpoints (small JSON) goes with its outputs, by the rule below.
  lifecycle_rule {
    condition {
      age            = 2
      matches_suffix = [".wav"]
    }
    action {
      type = "Delete"
    }
  }

  # At least 7 days (validated): the emailed links are V4 signed URLs valid up to 7 days.
  lifecycle_rule {
    condition {
      age = var.output_retention_days
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

# Function source zips and Cloud Build uploads. Kept apart from the data buckets so that no runtime account can
# rewrite what the next deployment builds.
resource "google_storage_bucket" "deploy" {
  name                        = "${local.bucket_prefix}-jdr-deploy"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  # Sources are read once, at build time; Terraform uploads the zip again if it ever goes missing.
  lifecycle_rule {
    condition {
      age = 30
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}
