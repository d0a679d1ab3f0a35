# The transcription job. The trigger starts one execution per session with per-session overrides (INPUT_PREFIX,
# OUTPUT_BUCKET, OUTPUT_PREFIX, CONTEXT_GCS_URI, EMAIL_TO, RUN_ID, language/model/speaker hints, RECAP); everything else is
# set here. Model and speaker-model paths come from the image (Dockerfile ENV), which bakes them in.
locals {
  image = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}/job:${var.image_tag}"

  job_env = {
    COMPLETION_TOPIC = google_pubsub_topic.completions.id
    # Must equal max_retries below: only the last attempt publishes a failure.
    MAX_RETRIES        = tostring(var.max_retries)
    OUTPUT_BUCKET      = google_storage_bucket.output.name
    EMAIL_TO           = join(",", var.default_email_to)
    WHISPER_MODEL_SIZE = var.whisper_model
    # whisper.cpp threads: the vCPUs Cloud Run grants, not the host's core count the container may see.
    THREADS        = var.job_cpu
    PRIMARY_LANG   = var.languages[0]
    SECONDARY_LANG = length(var.languages) > 1 ? var.languages[1] : ""
    MULTILANG      = length(var.languages) > 1 ? "true" : "false"
    # The recap (off unless asked for): Gemini on Vertex AI in the project's own region unless recap_location says
    # otherwise. Set even while off, so that a session's `recap: true` finds the model and where it runs.
    RECAP          = var.recap
    RECAP_MODEL    = var.recap_model
    RECAP_PROJECT  = var.project_id
    RECAP_LOCATION = coalesce(var.recap_location, var.region)
    # transcript.html's page speaks the emails' language.
    EMAIL_LANG = var.email_lang
  }
}

resource "google_cloud_run_v2_job" "transcribe" {
  name                = "jdr-transcribe"
  location            = var.region
  deletion_protection = var.deletion_protection

  template {
    # Tasks of one execution run together (job/parallel/task.ts: one plans, all transcribe, one finishes). The trigger
    # asks for max_parallel_tasks per execution, or fewer when _READY says `tasks:`.
    task_count  = var.max_parallel_tasks
    parallelism = var.max_parallel_tasks

    template {
      service_account       = google_service_account.job.email
      timeout               = var.task_timeout
      max_retries           = var.max_retries
      execution_environment = "EXECUTION_ENVIRONMENT_GEN2"

      containers {
        image = local.image

        resources {
          limits = {
            cpu    = var.job_cpu
            memory = var.job_memory
          }
        }

        dynamic "env" {
          for_each = local.job_env
          content {
            name  = env.key
            value = env.value
          }
        }
      }
    }
  }

  depends_on = [google_project_service.enabled]
}
