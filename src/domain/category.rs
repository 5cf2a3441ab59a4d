//! Stakeholder categories of organisations: the axis along which the ministry measures how
//! broad participation was.

crate::text_enum! {
    /// Category of an organisation.
    Category {
        Municipality = "municipality",
        ChamberOrBusinessAssociation = "chamber_or_business_association",
        MunicipalCoordinationOffice = "municipal_coordination_office",
        IntegrationCommissioner = "integration_commissioner",
        CivilSociety = "civil_society",
        Association = "association",
        School = "school",
        Daycare = "daycare",
        SeniorAssociation = "senior_association",
        IntegrationNetwork = "integration_network",
        ReligiousCommunity = "religious_community",
        MigrantOrganisation = "migrant_organisation",
        WelfareAssociation = "welfare_association",
        EmploymentAgency = "employment_agency",
        Company = "company",
        Other = "other",
    }
}

impl Category {
    /// (German, English) labels for front ends.
    pub fn labels(self) -> (&'static str, &'static str) {
        use Category::*;
        match self {
            Municipality => (
                "Kommunalpolitik und -verwaltung",
                "Municipal politics and administration",
            ),
            ChamberOrBusinessAssociation => (
                "Kammern und Wirtschaftsverbände",
                "Chambers and business associations",
            ),
            MunicipalCoordinationOffice => (
                "Kommunale Koordinierungsstelle",
                "Municipal coordination office",
            ),
            IntegrationCommissioner => ("Beauftragte für Integration", "Integration commissioner"),
            CivilSociety => ("Zivilgesellschaft", "Civil society"),
            Association => ("Verein", "Association"),
            School => ("Schule", "School"),
            Daycare => ("Kita", "Daycare centre"),
            SeniorAssociation => ("Seniorenverband", "Senior citizens' association"),
            IntegrationNetwork => ("Integrationsnetzwerk und -bündnis", "Integration network"),
            ReligiousCommunity => ("Religionsgemeinschaft", "Religious community"),
            MigrantOrganisation => ("Migrantenorganisation", "Migrant organisation"),
            WelfareAssociation => ("Wohlfahrtsverband", "Welfare association"),
            EmploymentAgency => (
                "Jobcenter, Agentur für Arbeit",
                "Job centre, employment agency",
            ),
            Company => ("Unternehmen", "Company"),
            Other => ("Sonstige", "Other"),
        }
    }
}
