/**
 * Intents the engine itself knows, beside those of intents/*.yaml: a module without imports, so that the knowledge
 * loader can check intents/routing.yaml against the same names the engine answers.
 */

/** The intents answered by composing facts; every other intent needs a canned answer in answers.yaml. */
export const PARAMETRIC_INTENTS = [
  "schedule", "levels", "month_list", "fee", "id_documents", "related_occupation", "related_major", "conditions",
  "eligibility", "materials",
] as const;

/** Intents the engine decides and answers with no entry in intents/*.yaml (a route may lead to them). */
export const ENGINE_INTENTS = [
  ...PARAMETRIC_INTENTS, "none", "not_in_plan", "eligibility_dialog", "overview", "next_exam", "evaluation", "retake_fee", "students",
] as const;
