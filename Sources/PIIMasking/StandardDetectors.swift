/// The built-in detectors, in the order they run (order does not change results: `TextMasker` resolves overlaps by
/// position and length). Profiles switch kinds off; custom detectors from `rules/masking.yaml` come on top.
public enum StandardDetectors {
    public static let all: [any Detector] = [
        PhoneDetector(),
        EmailDetector(),
        ResidentNumberDetector(),
        CardNumberDetector(),
        BankAccountDetector(),
        IPAddressDetector(),
        BirthDateDetector(),
        NameDetector(),
        AddressDetector(),
    ]
}
