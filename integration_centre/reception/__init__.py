"""Reception module: social assessment, rights-and-duties session, positioning test, procedure
tasks, reception agreement, certificate of attendance and third-party notifications."""
