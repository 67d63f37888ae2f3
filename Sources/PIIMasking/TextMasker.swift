/// Finds and masks personal data in one text unit under a profile.
///
/// Every content scanner (HTML, JSON, CSV, text, chat frames) hands it the units it cuts out of a body, with the
/// field's label when the structure has one. It runs the detectors the profile enables, resolves overlaps (the
/// earliest, then the longest detection wins), drops allow-listed values, and replaces each value with its masked
/// form (`MaskStyle`), counting what it masked by kind. Pure and `Sendable`: one per profile, shared by all requests.
public struct TextMasker: Sendable {
    public let profile: MaskingProfile
    let detectors: [any Detector]
    let style: MaskStyle
    /// Context words by normalized label, longest first (so `receiveraddress` wins over `receiver`).
    let labelWords: [(word: String, kind: PIIKind)]

    public init(profile: MaskingProfile, detectors: [any Detector]) {
        self.profile = profile
        let enabled = profile.kinds
        self.detectors = (detectors + profile.customDetectors.map { $0 as any Detector })
            .filter { !$0.kinds.isDisjoint(with: enabled) }
        self.style = MaskStyle(maskCharacter: profile.maskCharacter)
        self.labelWords = profile.contextWords.map { (ContextWords.normalize($0.key), $0.value) }
            .sorted { $0.word.count != $1.word.count ? $0.word.count > $1.word.count : $0.word < $1.word }
    }

    /// The kind a field label names, if any: an exact match of the normalized label first, then the longest context
    /// word the label ends with (`receiverPhoneNumber` ends with `phonenumber`), then one it contains.
    public func kind(forLabel label: String?) -> PIIKind? {
        guard let label else { return nil }
        let normalized = ContextWords.normalize(label)
        guard !normalized.isEmpty else { return nil }
        if let exact = self.labelWords.first(where: { $0.word == normalized }) { return self.enabled(exact.kind) }
        if let suffix = self.labelWords.first(where: { $0.word.count >= 3 && normalized.hasSuffix($0.word) }) {
            return self.enabled(suffix.kind)
        }
        if let contained = self.labelWords.first(where: { $0.word.count >= 4 && normalized.contains($0.word) }) {
            return self.enabled(contained.kind)
        }
        return nil
    }

    func enabled(_ kind: PIIKind) -> PIIKind? { self.profile.kinds.contains(kind) ? kind : nil }

    /// The values to mask in `text`, sorted, not overlapping, of enabled kinds, not allow-listed.
    public func detections(in text: UnsafeBufferPointer<UInt8>, context: FieldContext) -> [Detection] {
        let hint = self.kind(forLabel: context.label)
        var found: [Detection] = []
        for detector in self.detectors { detector.detect(text, hint: hint, into: &found) }
        guard !found.isEmpty else { return [] }
        found.removeAll { !self.profile.kinds.contains($0.kind) || $0.start < 0 || $0.end > text.count || $0.start >= $0.end }
        found.sort { $0.start != $1.start ? $0.start < $1.start : $0.length > $1.length }
        var kept: [Detection] = []
        var end = 0
        for detection in found where detection.start >= end {
            if !self.profile.allowList.isEmpty {
                let value = String(decoding: UnsafeBufferPointer(rebasing: text[detection.start..<detection.end]), as: UTF8.self)
                if self.profile.allowList.contains(AllowList.normalize(value)) { continue }
            }
            kept.append(detection)
            end = detection.end
        }
        return kept
    }

    /// `text` with every detected value masked; adds to `tally`.
    public func mask(_ text: [UInt8], context: FieldContext, tally: inout MaskTally) -> [UInt8] {
        text.withUnsafeBufferPointer { buffer in
            let detections = self.detections(in: buffer, context: context)
            guard !detections.isEmpty else { return text }
            return self.apply(detections, to: buffer, tally: &tally)
        }
    }

    /// Convenience for tests and tools.
    public func mask(_ text: String, label: String? = nil) -> String {
        var tally = MaskTally()
        return String(decoding: self.mask(Array(text.utf8), context: FieldContext(label: label), tally: &tally), as: UTF8.self)
    }

    /// Replaces each detection with its masked form.
    public func apply(_ detections: [Detection], to text: UnsafeBufferPointer<UInt8>, tally: inout MaskTally) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count + 16)
        var position = 0
        for detection in detections {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[position..<detection.start]))
            let value = String(decoding: UnsafeBufferPointer(rebasing: text[detection.start..<detection.end]), as: UTF8.self)
            output.append(contentsOf: self.masked(value, as: detection.kind).utf8)
            tally.add(detection.kind)
            position = detection.end
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: text[position...]))
        return output
    }

    public func masked(_ value: String, as kind: PIIKind) -> String {
        switch self.profile.style(for: kind) {
        case .standard: self.style.mask(value, as: kind)
        case .full: String(value.map { " -.,()@/:".contains($0) ? $0 : self.profile.maskCharacter })
        }
    }
}

/// How many values of each kind a response had masked: for the audit trail, never the values.
public struct MaskTally: Sendable, Equatable {
    public private(set) var counts: [PIIKind: Int] = [:]
    public init() {}
    public mutating func add(_ kind: PIIKind, _ count: Int = 1) { self.counts[kind, default: 0] += count }
    public mutating func merge(_ other: MaskTally) { for (kind, count) in other.counts { self.add(kind, count) } }
    public var total: Int { self.counts.values.reduce(0, +) }
}
