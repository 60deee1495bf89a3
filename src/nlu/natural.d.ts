// natural's own declarations cover the package root only; its root import also loads .env and every model,
// so the classifier module is imported alone (see ../shared/notes/stack.md).
declare module "natural/lib/natural/classifiers/bayes_classifier.js" {
  export default class BayesClassifier {
    addDocument(doc: string[] | string, label: string): void;
    train(): void;
    classify(doc: string[] | string): string;
    getClassifications(doc: string[] | string): { label: string; value: number }[];
  }
}
