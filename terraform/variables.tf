# Inputs, alphabetical. Only project_id, email_from and default_email_to have no default.

variable "allowed_recipients" {
  description = "Who may receive transcripts: addresses and @domain entries. Empty: only default_email_to."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.allowed_recipients : can(regex("^([^@\\s,]+@[^@\\s,]+\\.[^@\\s,]+|@[a-z0-9-]+(\\.[a-z0-9-]+)+)$", lower(r)))])
    error_message = "allowed_recipients: each entry must be an email address or an @domain (e.g. \"@example.org\")."
  }
}

variable "attach_limit_mb" {
  description = "Largest zip sent as an attachment (counted after base64 encoding); larger ones get a signed link."
  type        = number
  default     = 20

  validation {
    condition     = var.attach_limit_mb >= 0 && var.attach_limit_mb <= 100
    error_message = "attach_limit_mb must be between 0 (always a link) and 100. Gmail refuses messages over 25 MB."
  }
}

variable "bucket_prefix" {
  description = "Prefix of the bucket names (<prefix>-jdr-input, -jdr-output, -jdr-deploy). Empty: the project id."
  type        = string
  default     = ""

  validation {
    condition     = var.bucket_prefix == "" || can(regex("^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$", var.bucket_prefix))
    error_message = "bucket_prefix: 3 to 42 lower-case letters, digits or dashes (bucket names are global)."
  }
}

variable "default_email_to" {
  description = "Recipients when a session's _READY names none (at least one address)."
  type        = list(string)

  validation {
    condition     = length(var.default_email_to) > 0 && alltrue([for a in var.default_email_to : can(regex("^[^@\\s,]+@[^@\\s,]+\\.[^@\\s,]+$", a))])
    error_message = "default_email_to: give at least one email address, e.g. [\"mj@example.org\"]."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the Cloud Run job. `make destroy` turns it off first."
  type        = bool
  default     = true
}

variable "email_from" {
  description = "Sender of the emails, e.g. \"JDR transcripts <group@gmail.com>\". With Gmail, the SMTP account's address."
  type        = string

  validation {
    condition     = can(regex("@", var.email_from)) && length(trimspace(var.email_from)) >= 3
    error_message = "email_from must contain an email address, e.g. \"JDR transcripts <group@gmail.com>\"."
  }
}

variable "email_lang" {
  description = "Language of the emails: fr or en."
  type        = string
  default     = "fr"

  validation {
    condition     = contains(["fr", "en"], var.email_lang)
    error_message = "email_lang must be fr or en."
  }
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the input and output buckets with everything in them."
  type        = bool
  default     = false
}

variable "functions_runtime" {
  description = "Cloud Functions runtime of the trigger and the mailer."
  type        = string
  default     = "nodejs22"

  validation {
    condition     = can(regex("^nodejs(2[0-9]|[3-9][0-9])$", var.functions_runtime))
    error_message = "functions_runtime must be a Node.js runtime of version 20 or later, e.g. nodejs22."
  }
}

variable "functions_source_dir" {
  description = "Folder holding the staged functions source, relative to terraform/. `make functions-source` fills it."
  type        = string
  default     = "../.cache/functions-source"

  validation {
    condition     = fileexists("${var.functions_source_dir}/package.json")
    error_message = "No staged functions source (package.json missing): run `make functions-source` (part of `make deploy`) first."
  }
}

variable "image_tag" {
  description = "Tag of the job image in Artifact Registry; `make deploy` passes a hash of the sources and the model."
  type        = string
  default     = "latest"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a Docker tag: letters, digits, \"_\", \".\" or \"-\", at most 128 characters."
  }
}

variable "input_retention_days" {
  description = "Days after which recordings are deleted from the input bucket."
  type        = number
  default     = 30

  validation {
    condition     = var.input_retention_days >= 7 && floor(var.input_retention_days) == var.input_retention_days
    error_message = "input_retention_days must be a whole number of days, at least 7 (a failed run may need a retry)."
  }
}

variable "job_cpu" {
  description = "vCPUs of the transcription job (whisper.cpp uses them all)."
  type        = string
  default     = "4"

  validation {
    condition     = contains(["1", "2", "4", "6", "8"], var.job_cpu)
    error_message = "job_cpu must be one of 1, 2, 4, 6, 8 (Cloud Run's steps)."
  }
}

variable "job_memory" {
  description = "Memory of the job. It also holds /tmp (recordings and decoded audio): 16Gi covers 4-hour compressed recordings."
  type        = string
  default     = "16Gi"

  validation {
    condition     = can(regex("^[0-9]+Gi$", var.job_memory)) && tonumber(trimsuffix(var.job_memory, "Gi")) >= 4 && tonumber(trimsuffix(var.job_memory, "Gi")) <= 32
    error_message = "job_memory must be between 4Gi and 32Gi, written like \"16Gi\"."
  }

  # Cloud Run: more than 8 GiB needs 4 vCPUs, more than 16 GiB needs 6, more than 24 GiB needs 8.
  validation {
    condition     = !can(regex("^[0-9]+Gi$", var.job_memory)) || tonumber(trimsuffix(var.job_memory, "Gi")) <= (tonumber(var.job_cpu) >= 8 ? 32 : tonumber(var.job_cpu) >= 6 ? 24 : tonumber(var.job_cpu) >= 4 ? 16 : tonumber(var.job_cpu) >= 2 ? 8 : 4)
    error_message = "job_memory is too large for job_cpu: Cloud Run allows 4Gi with 1 vCPU, 8Gi with 2, 16Gi with 4, 24Gi with 6, 32Gi with 8."
  }
}

variable "languages" {
  description = "Default languages of the sessions, primary first; two turn on per-chunk language detection. A session's _READY can override them."
  type        = list(string)
  default     = ["fr", "en"]

  validation {
    condition     = length(var.languages) >= 1 && length(var.languages) <= 2 && alltrue([for l in var.languages : can(regex("^[a-z]{2,3}$", l))])
    error_message = "languages: one or two language codes, primary first, e.g. [\"fr\", \"en\"]."
  }
}

variable "max_parallel_tasks" {
  description = "Tasks of one execution that transcribe a session together (each with job_cpu vCPUs); a _READY's tasks: may ask for fewer."
  type        = number
  default     = 8

  validation {
    condition     = var.max_parallel_tasks >= 1 && var.max_parallel_tasks <= 100 && floor(var.max_parallel_tasks) == var.max_parallel_tasks
    error_message = "max_parallel_tasks must be a whole number from 1 to 100."
  }
}

variable "max_retries" {
  description = "Times Cloud Run retries a failed task (transient errors only; bad input is not retried)."
  type        = number
  default     = 2

  validation {
    condition     = var.max_retries >= 0 && var.max_retries <= 10 && floor(var.max_retries) == var.max_retries
    error_message = "max_retries must be a whole number from 0 to 10."
  }
}

variable "output_retention_days" {
  description = "Days after which transcripts are deleted from the output bucket (at least 7, so emailed links stay valid)."
  type        = number
  default     = 30

  validation {
    condition     = var.output_retention_days >= 7 && floor(var.output_retention_days) == var.output_retention_days
    error_message = "output_retention_days must be a whole number of days, at least 7: emailed links stay valid up to 7 days."
  }
}

variable "project_id" {
  description = "Google Cloud project id."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project id (6 to 30 lower-case letters, digits or dashes), not its name or number."
  }
}

variable "recap" {
  description = "The session recap (recap.md, and its start in the email): off, or vertex (Gemini on Vertex AI). A session's _READY can say recap: true or false."
  type        = string
  default     = "off"

  validation {
    condition     = contains(["off", "vertex"], var.recap)
    error_message = "recap must be off or vertex."
  }
}

variable "recap_location" {
  description = "Vertex AI location of the recap's model. Empty: the region; \"eu\" keeps processing in the EU; \"global\" takes any region (some models are offered only there)."
  type        = string
  default     = ""

  validation {
    condition     = var.recap_location == "" || can(regex("^[a-z]+(-[a-z]+[0-9]+)?$", var.recap_location))
    error_message = "recap_location must be empty (the region), a region such as europe-west1, eu, us or global."
  }
}

variable "recap_model" {
  description = "Gemini model that writes the recap on Vertex AI (a Flash model: fast and cheap enough for a 4-hour session)."
  type        = string
  default     = "gemini-3.5-flash"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]{0,99}$", var.recap_model))
    error_message = "recap_model must be a model id such as gemini-3.5-flash."
  }
}

variable "region" {
  description = "Region of the buckets, the job and the functions (one region keeps data in one place and transfers free)."
  type        = string
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1 (not a multi-region such as EU)."
  }
}

variable "signed_url_ttl" {
  description = "Validity of the download link when the zip is too big to attach: 7d at most (V4 signed URLs)."
  type        = string
  default     = "7d"

  validation {
    condition     = can(regex("^[0-9]+[smhd]?$", var.signed_url_ttl))
    error_message = "signed_url_ttl must be a duration such as 7d, 48h, 90m or a number of seconds."
  }
}

variable "smtp_host" {
  description = "SMTP server of the mailer."
  type        = string
  default     = "smtp.gmail.com"
}

variable "smtp_port" {
  description = "SMTP port: 587 (STARTTLS) or 465 (TLS from the start)."
  type        = number
  default     = 587

  validation {
    condition     = var.smtp_port >= 1 && var.smtp_port <= 65535
    error_message = "smtp_port must be a TCP port, usually 587 or 465."
  }
}

variable "smtp_user" {
  description = "SMTP login (with Gmail: the full address). Its password goes in the jdr-smtp-password secret. Empty: no authentication."
  type        = string
  default     = ""
}

variable "task_timeout" {
  description = "Longest a job attempt may run, in seconds with an s suffix (a 4-hour session takes about 2 to 3 hours on 4 vCPUs)."
  type        = string
  default     = "21600s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.task_timeout)) && tonumber(trimsuffix(var.task_timeout, "s")) >= 600 && tonumber(trimsuffix(var.task_timeout, "s")) <= 604800
    error_message = "task_timeout must be between \"600s\" and \"604800s\" (7 days)."
  }
}

variable "whisper_model" {
  description = "Whisper model baked into the job image: large-v3-turbo (default, q8_0) or large-v3 (q5_0, slower, a little more accurate)."
  type        = string
  default     = "large-v3-turbo"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]*$", var.whisper_model))
    error_message = "whisper_model must be a model name such as large-v3-turbo or large-v3."
  }
}
