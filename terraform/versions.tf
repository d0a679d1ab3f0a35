terraform {
  required_version = ">= 1.9" # validations that refer to other variables

  required_providers {
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4, < 3.0"
    }
    # Attribute names checked against the 6.50 schema; 7.0 and 8.0 changed nothing used here.
    google = {
      source  = "hashicorp/google"
      version = ">= 6.50, < 9.0"
    }
    time = {
      source  = "hashicorp/time"
      version = ">= 0.9, < 1.0"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region

  default_labels = {
    app = "jdr-transcriber"
  }
}
