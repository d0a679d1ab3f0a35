# One service account per deployable, each holding only what it uses, on the narrowest resource that works. The
# table `account | role | on what | why` in README.md lists the same grants; test/terraform/iam.test.ts keeps
# the two in step and fails on any grant that is not in it.

resource "google_service_account" "job" {
  account_id   = "jdr-job"
  display_name = "jdr-transcriber job"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "trigger" {
  account_id   = "jdr-trigger"
  display_name = "jdr-transcriber trigger function"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "mailer" {
  account_id   = "jdr-mailer"
  display_name = "jdr-transcriber mailer function"
  depends_on   = [google_project_service.enabled]
}

# Builds the job image and the functions. Projects created since mid-2024 give the default build account no rights,
# so a dedicated one makes the first deployment work everywhere.
resource "google_service_account" "build" {
  account_id   = "jdr-build"
  display_name = "jdr-transcriber builds (Cloud Build)"
  depends_on   = [google_project_service.enabled]
}

# --- job ---------------------------------------------------------------------------------------------------------

resource "google_storage_bucket_iam_member" "job_reads_input" {
  bucket = google_storage_bucket.input.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.job.email}"
}

resource "google_storage_bucket_iam_member" "job_writes_output" {
  bucket = google_storage_bucket.output.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.job.email}"
}

resource "google_pubsub_topic_iam_member" "job_publishes_completions" {
  topic  = google_pubsub_topic.completions.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.job.email}"
}

# The recap: Gemini on Vertex AI, called by the job as itself. Granted even while `recap` is off, so that a session's
# `recap: true` in _READY works; no request is made unless a recap is asked for. Vertex AI grants on the project only.
resource "google_project_iam_member" "job_uses_vertex_ai" {
  project = var.project_id
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.job.email}"
}

# --- trigger -----------------------------------------------------------------------------------------------------

resource "google_storage_bucket_iam_member" "trigger_reads_input" {
  bucket = google_storage_bucket.input.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.trigger.email}"
}

resource "google_storage_bucket_iam_member" "trigger_writes_output" {
  bucket = google_storage_bucket.output.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.trigger.email}"
}

resource "google_pubsub_topic_iam_member" "trigger_publishes_completions" {
  topic  = google_pubsub_topic.completions.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.trigger.email}"
}

resource "google_cloud_run_v2_job_iam_member" "trigger_runs_job" {
  project  = var.project_id
  location = google_cloud_run_v2_job.transcribe.location
  name     = google_cloud_run_v2_job.transcribe.name
  role     = "roles/run.jobsExecutorWithOverrides"
  member   = "serviceAccount:${google_service_account.trigger.email}"
}

resource "google_project_iam_member" "trigger_receives_events" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.trigger.email}"
}

resource "google_cloud_run_v2_service_iam_member" "trigger_invokes_function" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.trigger.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.trigger.email}"
}

# --- mailer ------------------------------------------------------------------------------------------------------

resource "google_storage_bucket_iam_member" "mailer_writes_output" {
  bucket = google_storage_bucket.output.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.mailer.email}"
}

resource "google_secret_manager_secret_iam_member" "mailer_reads_smtp_password" {
  secret_id = google_secret_manager_secret.smtp_password.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.mailer.email}"
}

# V4 signed URLs without a key file: the storage client asks IAM to sign with the function's own account.
resource "google_service_account_iam_member" "mailer_signs_urls" {
  service_account_id = google_service_account.mailer.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.mailer.email}"
}

resource "google_project_iam_member" "mailer_receives_events" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.mailer.email}"
}

resource "google_cloud_run_v2_service_iam_member" "mailer_invokes_function" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.mailer.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.mailer.email}"
}

# --- builds ------------------------------------------------------------------------------------------------------

resource "google_project_iam_member" "build_writes_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.build.email}"
}

resource "google_artifact_registry_repository_iam_member" "build_pushes_images" {
  project    = var.project_id
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.build.email}"
}

resource "google_storage_bucket_iam_member" "build_reads_deploy" {
  bucket = google_storage_bucket.deploy.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.build.email}"
}

# Cloud Functions copies each source into a bucket it creates itself (gcf-v2-sources-<number>-<region>), which cannot
# be granted on in advance: a project-level grant limited by condition to those buckets, never the data buckets.
resource "google_project_iam_member" "build_reads_function_sources" {
  project = var.project_id
  role    = "roles/storage.objectViewer"
  member  = "serviceAccount:${google_service_account.build.email}"

  condition {
    title       = "gcf-sources-only"
    description = "Only the buckets Cloud Functions stages sources in"
    expression  = "resource.name.startsWith(\"projects/_/buckets/gcf-v2-sources-\")"
  }
}

# --- Google service agents ----------------------------------------------------------------------------------------

data "google_storage_project_service_account" "gcs" {
  depends_on = [google_project_service.enabled]
}

# Storage events reach Eventarc through Pub/Sub, published by the project's Cloud Storage service agent.
resource "google_project_iam_member" "gcs_agent_pubsub_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}
