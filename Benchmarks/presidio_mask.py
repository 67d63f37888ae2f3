"""Microsoft Presidio on the same corpus files, for Benchmarks/masking-throughput.sh.

usage: presidio_mask.py DIR MEGABYTES
Runs presidio-analyzer with pattern recognizers only (no spaCy model: a blank NLP engine), the built-in phone, e-mail,
credit-card and IP recognizers plus Korean mobile and resident-number patterns, and presidio-anonymizer's "mask"
operator, on the first MEGABYTES of each corpus file, one core. Prints MB/s per file.
"""
import logging, os, sys, time
# tldextract (inside the e-mail recognizer) tries to fetch the public-suffix list and falls back to its bundled copy;
# benchmarks run offline, so its warning is noise.
logging.getLogger("tldextract").setLevel(logging.CRITICAL)
from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from presidio_analyzer.predefined_recognizers import (CreditCardRecognizer, EmailRecognizer, IpRecognizer,
                                                      PhoneRecognizer)
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig


class BlankNlpEngine(NlpEngine):
    """No tokenizer, no NER: Presidio's pattern recognizers need none."""
    def load(self): pass
    def is_loaded(self): return True
    def process_text(self, text, language):
        return NlpArtifacts(entities=[], tokens=[], tokens_indices=[], lemmas=[], nlp_engine=self, language=language)
    def process_batch(self, texts, language, batch_size=1, n_process=1, **kwargs):
        for text in texts:
            yield text, self.process_text(text, language)
    def is_stopword(self, word, language): return False
    def is_punct(self, word, language): return False
    def get_supported_entities(self): return []
    def get_supported_languages(self): return ["ko"]


def analyzer():
    registry = RecognizerRegistry(supported_languages=["ko"])
    for recognizer in (EmailRecognizer, CreditCardRecognizer, IpRecognizer):
        registry.add_recognizer(recognizer(supported_language="ko"))
    registry.add_recognizer(PhoneRecognizer(supported_language="ko", supported_regions=("KR",)))
    registry.add_recognizer(PatternRecognizer(supported_entity="KR_PHONE", supported_language="ko", patterns=[
        Pattern("kr-mobile", r"(?<!\d)01[016789][-. ]?\d{3,4}[-. ]?\d{4}(?!\d)", 0.6),
        Pattern("kr-area", r"(?<!\d)0(2|[3-6][1-5]|70)[-. ]?\d{3,4}[-. ]?\d{4}(?!\d)", 0.5)]))
    registry.add_recognizer(PatternRecognizer(supported_entity="KR_RRN", supported_language="ko", patterns=[
        Pattern("rrn", r"(?<!\d)\d{6}-?[1-8]\d{6}(?!\d)", 0.6)]))
    return AnalyzerEngine(registry=registry, nlp_engine=BlankNlpEngine(), supported_languages=["ko"])


def main():
    directory, megabytes = sys.argv[1], float(sys.argv[2])
    engine, anonymizer = analyzer(), AnonymizerEngine()
    operators = {"DEFAULT": OperatorConfig("mask", {"masking_char": "*", "chars_to_mask": 4, "from_end": False})}
    for name in ("corpus.html", "corpus.json", "corpus.csv", "corpus.txt"):
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            continue
        raw = open(path, "rb").read(int(megabytes * 1048576))
        text = raw.decode("utf-8", errors="ignore")
        start = time.perf_counter()
        found = 0
        # Presidio analyses a string at a time; feed it lines as a streaming proxy would see units.
        for line in text.splitlines(keepends=True):
            results = engine.analyze(text=line, language="ko")
            if results:
                found += len(results)
                anonymizer.anonymize(text=line, analyzer_results=results, operators=operators)
        seconds = time.perf_counter() - start
        size = len(raw) / 1048576
        print(f"  {name[7:]:5} {size:7.2f} MB in {seconds:7.2f} s = {size / seconds:8.3f} MB/s   ({found} values found)")


if __name__ == "__main__":
    main()
