using static FhirServer.Profiles.Tests.Validation.ValidationTestProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>minValue[x], maxValue[x], maxLength and a profile's regex extension.</summary>
public class ValueRangeTests
{
    [Test]
    public void Integers_are_compared_by_value()
    {
        var validator = WithProfile("p", "Patient",
            """{"id":"Patient.multipleBirth[x]","path":"Patient.multipleBirth[x]","type":[{"code":"integer"}],"minValueInteger":1,"maxValueInteger":5}""");
        const string patient = """{"resourceType":"Patient","multipleBirthInteger":N}""";
        Assert.That(Validate(validator, patient.Replace("N", "3"), "p"), Is.Empty);
        Assert.That(Validate(validator, patient.Replace("N", "0"), "p"),
            Is.EqualTo(new[] { "Patient.multipleBirth.ofType(integer): The value 0 is less than the allowed minimum of 1" }));
        Assert.That(Validate(validator, patient.Replace("N", "7"), "p"),
            Is.EqualTo(new[] { "Patient.multipleBirth.ofType(integer): The value 7 is greater than the allowed maximum of 5" }));
    }

    [Test]
    public void Decimals_are_compared_by_value_whatever_their_precision()
    {
        var validator = WithProfile("p", "Location",
            """{"id":"Location.position.latitude","path":"Location.position.latitude","minValueDecimal":-90,"maxValueDecimal":90.0}""");
        const string location = """{"resourceType":"Location","position":{"longitude":2,"latitude":N}}""";
        Assert.That(Validate(validator, location.Replace("N", "90.000"), "p"), Is.Empty);
        Assert.That(Validate(validator, location.Replace("N", "90.5"), "p"),
            Is.EqualTo(new[] { "Location.position.latitude: The value 90.5 is greater than the allowed maximum of 90.0" }));
    }

    [Test]
    public void Dates_are_out_of_range_only_when_their_whole_precision_is()
    {
        var validator = WithProfile("p", "Patient",
            """{"id":"Patient.birthDate","path":"Patient.birthDate","minValueDate":"1900-06-15","maxValueDate":"2030"}""");
        const string patient = """{"resourceType":"Patient","birthDate":"DATE"}""";
        Assert.That(Validate(validator, patient.Replace("DATE", "1900"), "p"), Is.Empty);
        Assert.That(Validate(validator, patient.Replace("DATE", "2030-12-31"), "p"), Is.Empty);
        Assert.That(Validate(validator, patient.Replace("DATE", "1900-06-14"), "p"),
            Is.EqualTo(new[] { "Patient.birthDate: date/time value '1900-06-14' is less than permitted minimum value of 1900-06-15" }));
        Assert.That(Validate(validator, patient.Replace("DATE", "2031-01"), "p"),
            Is.EqualTo(new[] { "Patient.birthDate: date/time value '2031-01' is greater than permitted maximum value of 2030" }));
    }

    [Test]
    public void Quantities_compare_when_their_units_do()
    {
        var validator = WithProfile("p", "Observation",
            """{"id":"Observation.value[x]","path":"Observation.value[x]","type":[{"code":"Quantity"}],"minValueQuantity":{"value":10,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}""");
        const string observation = """
            {"resourceType":"Observation","status":"final","code":{"text":"weight"},"valueQuantity":{"value":V,"system":"http://unitsofmeasure.org","code":"U"}}
            """;
        Assert.That(Validate(validator, observation.Replace("V", "12").Replace("U", "kg"), "p"), Is.Empty);
        Assert.That(Validate(validator, observation.Replace("V", "12000").Replace("U", "g"), "p"), Is.Empty);
        Assert.That(Validate(validator, observation.Replace("V", "5000").Replace("U", "g"), "p"), Is.EqualTo(new[]
        {
            "Observation.value.ofType(Quantity): The value in the instance (5000 g) is less than the specified minimum value (10 kg)",
        }));
        // Units of another dimension cannot be compared: nothing is said.
        Assert.That(Validate(validator, observation.Replace("V", "1").Replace("U", "m"), "p"), Is.Empty);
    }

    [Test]
    public void Duration_bounds_on_a_date_are_measured_from_now()
    {
        var validator = WithProfile("p", "Patient",
            """{"id":"Patient.birthDate","path":"Patient.birthDate","minValueDuration":{"value":100,"unit":"a","system":"http://unitsofmeasure.org","code":"a"},"maxValueDuration":{"value":10,"unit":"a","system":"http://unitsofmeasure.org","code":"a"}}""");
        const string patient = """{"resourceType":"Patient","birthDate":"DATE"}""";
        var today = DateTime.UtcNow;
        Assert.That(Validate(validator, patient.Replace("DATE", today.ToString("yyyy-MM-dd")), "p"), Is.Empty);
        Assert.That(Validate(validator, patient.Replace("DATE", $"{today.Year - 99}"), "p"), Is.Empty);
        Assert.That(Validate(validator, patient.Replace("DATE", $"{today.Year - 102}-01-01"), "p"),
            Is.EqualTo(new[] { $"Patient.birthDate: date/time value '{today.Year - 102}-01-01' is more than 100 a before now, the permitted minimum" }));
        Assert.That(Validate(validator, patient.Replace("DATE", $"{today.Year + 12}-01-01"), "p"),
            Is.EqualTo(new[] { $"Patient.birthDate: date/time value '{today.Year + 12}-01-01' is more than 10 a after now, the permitted maximum" }));
    }

    [Test]
    public void Min_length_extension_counts_characters()
    {
        var validator = WithProfile("p", "Patient",
            """{"id":"Patient.id","path":"Patient.id","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/minLength","valueInteger":3}]}""");
        Assert.That(Validate(validator, """{"resourceType":"Patient","id":"abc"}""", "p"), Is.Empty);
        Assert.That(Validate(validator, """{"resourceType":"Patient","id":"ab"}""", "p"),
            Is.EqualTo(new[] { "Patient.id: Value 'ab' is shorter than permitted minimum length of 3" }));
    }

    [Test]
    public void Max_length_counts_characters()
    {
        var validator = WithProfile("p", "Patient", """{"id":"Patient.name.family","path":"Patient.name.family","maxLength":5}""");
        // Five characters, one of them outside the BMP (two UTF-16 units).
        Assert.That(Validate(validator, """{"resourceType":"Patient","name":[{"family":"Dur𝔞n"}]}""", "p"), Is.Empty);
        Assert.That(Validate(validator, """{"resourceType":"Patient","name":[{"family":"Dupont"}]}""", "p"),
            Is.EqualTo(new[] { "Patient.name[0].family: value is longer than permitted maximum length of 5" }));
    }

    [Test]
    public void A_profile_regex_on_an_element_type_is_matched_whole()
    {
        var validator = WithProfile("p", "Patient", """
            {"id":"Patient.name.family","path":"Patient.name.family",
             "type":[{"code":"string","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/regex","valueString":"[A-Z][a-z]+"}]}]}
            """);
        Assert.That(Validate(validator, """{"resourceType":"Patient","name":[{"family":"Martin"}]}""", "p"), Is.Empty);
        Assert.That(Validate(validator, """{"resourceType":"Patient","name":[{"family":"MARTIN"}]}""", "p"), Is.EqualTo(new[]
        {
            $"Patient.name[0].family: The value 'MARTIN' does not match the regex '[A-Z][a-z]+' required by the profile {Base}p|1.0.0#Patient.name.family",
        }));
    }
}
