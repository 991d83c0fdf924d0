using FhirServer.Terminology.Model;

namespace FhirServer.Terminology;

/// <summary>ConceptMap/$translate output: <c>result</c> (a match other than unmatched or disjoint), a <c>message</c>, the matches.</summary>
public sealed record TranslateResult(bool Result, string? Message, IReadOnlyList<TranslationMatch> Matches);

/// <summary>
/// One match: the concept translated to (absent for <c>unmatched</c>), its equivalence (R4 ConceptMapEquivalence),
/// the products the map attaches, the map it came from (<c>url|version</c>), and the coding of the map entry that
/// matched the request (the source element, or in reverse the target, then <c>Reversed</c>).
/// </summary>
public sealed record TranslationMatch(string Equivalence, CodingValue? Concept, IReadOnlyList<(string Element, CodingValue Concept)> Products,
    string OriginMap, CodingValue Matched, bool Reversed = false);
