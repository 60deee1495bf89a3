declare module "natural/lib/natural/classifiers/index.js" {
  class BayesClassifier {
    addDocument(doc: string[] | string, label: string): void;
    train(): void;
    classify(doc: string[] | string): string;
    getClassifications(doc: string[] | string): { label: string; value: number }[];
  }
  const classifiers: { BayesClassifier: typeof BayesClassifier };
  export default classifiers;
}
