namespace FhirServer.Samples;

/// <summary>
/// A fictitious patient's identity as the INS gives it: the NIR (under the INS-NIR test OID), sex, birth date and
/// place consistent with it, birth names as the INS referential writes them (capitals, no diacritics) beside the
/// usual spelling with its accents, and where the patient lives.
/// </summary>
internal sealed record PatientCard(string Id, string Nir, bool Female, DateOnly BirthDate, Commune BirthPlace,
    string Family, IReadOnlyList<string> Given, Commune Residence)
{
    /// <summary>The INS traits: capitals without diacritics (INS referential, "traits stricts").</summary>
    public static string InsTrait(string name) => Conformance.Search.SearchText.Normalize(name).ToUpperInvariant();

    public string Display => $"{Given[0]} {Family}";

    public static PatientCard Create(int seed, long index)
    {
        var random = new SampleRandom(seed, "patient", index);
        var (place, year, month, order) = SampleIdentifiers.BirthSlot(seed, index);
        var female = random.Chance(0.5);
        var birthDate = new DateOnly(year, month, random.Between(1, DateTime.DaysInMonth(year, month)));
        var names = female ? FrenchData.FemaleGivenNames : FrenchData.MaleGivenNames;
        var given = Enumerable.Range(0, random.Between(1, 3)).Select(_ => random.Pick(names)).Distinct().ToList();
        return new PatientCard($"pat-{seed}-{index}", SampleIdentifiers.Nir(female, year, month, place.NirPlace(year), order),
            female, birthDate, place, random.Pick(FrenchData.FamilyNames), given, random.Pick(FrenchData.Communes));
    }
}
